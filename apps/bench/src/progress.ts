import cliProgress from 'cli-progress';

/**
 * One bar per long phase, with its rate since it started. cli-progress draws on stderr, and not at
 * all off a terminal (CI), where a line at the start and the end of the phase stands in for it.
 */
export class Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly started = performance.now();
  private readonly plain = !process.stderr.isTTY;
  private value = 0;
  private stopped = false;

  constructor(
    private readonly label: string,
    total: number,
    private readonly unit = 'events',
  ) {
    if (this.plain) note(`${label}: ${total} ${unit}`);
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(30)} [{bar}] {value}/{total} ${unit} | {rate}/s | {duration_formatted}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { rate: 0 });
  }

  update(value: number): void {
    this.value = value;
    const seconds = Math.max((performance.now() - this.started) / 1000, 0.001);
    this.bar.update(value, { rate: Math.round(value / seconds) });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
    if (this.plain)
      note(`${this.label}: ${this.value} ${this.unit} in ${((performance.now() - this.started) / 1000).toFixed(1)} s`);
  }
}

/** A line of progress that is not a bar, on stderr so that stdout holds the table alone. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
