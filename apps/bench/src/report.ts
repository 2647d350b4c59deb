import type { Backlog } from './backlog.js';
import type { BenchConfig } from './bench-config.js';
import type { CeilingResult } from './ceilings.js';
import type { CpuUsage } from './cpu-usage.js';
import { drainRates, type DrainResult } from './drain.js';
import type { FirstRecordResult } from './first-record.js';
import type { FreshnessResult } from './freshness.js';
import type { Machine } from './machine.js';
import type { PeerResult } from './peer.js';
import type { SliceStats } from './slice-metrics.js';

export interface BenchResults {
  readonly config: BenchConfig;
  readonly machine: Machine;
  readonly date: Date;
  readonly backlog: Backlog;
  readonly tenthBacklog: Backlog;
  /** One drain of the whole backlog per instance count. */
  readonly drains: readonly DrainResult[];
  /** The drain that the targets and the linearity run compare against (one instance when there is one). */
  readonly primary: DrainResult;
  readonly tenth: DrainResult;
  readonly freshness: FreshnessResult;
  readonly firstRecord: FirstRecordResult;
  readonly consumeOnly: CeilingResult;
  readonly postgresAlone: CeilingResult;
  readonly peer: PeerResult;
  /** Someone restarted the shared local broker during the run. */
  readonly brokerRestarted: boolean;
  readonly totalSeconds: number;
}

const TARGET = {
  drainEvents: 1_000_000,
  drainRate: 25_000,
  freshnessRate: 5_000,
  freshnessP99Ms: 250,
  memoryMiB: 512,
  linearRatio: 11,
  peerMultiple: 3,
};

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const sec = (value: number): string => `${value.toFixed(1)} s`;
const ms = (value: number): string =>
  Number.isFinite(value) ? `${int(value)} ms` : 'never (not visible before the bench gave up)';
const cores = (value: number): string => value.toFixed(2);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The ratio of the time per event of the big drain to the small one's, scaled to 10x the events. */
function linearity(results: BenchResults): { withoutBoot: number; withBoot: number } {
  const { primary, tenth } = results;
  const sizeRatio = primary.events / tenth.events;
  // Scaled to exactly 10x the events, should the tenth have been rounded.
  const scale = 10 / sizeRatio;
  return {
    withoutBoot: (primary.secondsFromFirstSlice / tenth.secondsFromFirstSlice) * scale,
    withBoot: (primary.secondsFromStart / tenth.secondsFromStart) * scale,
  };
}

function serviceRate(results: BenchResults): { fromStart: number; fromFirstSlice: number } {
  return drainRates(results.primary);
}

const peakOf = (results: BenchResults): number =>
  Math.max(
    results.freshness.peakMiB,
    results.tenth.peakMiB[0] ?? 0,
    ...results.drains.flatMap((drain) => drain.peakMiB),
  );

export function resultRows(results: BenchResults): string[][] {
  const { config, backlog, freshness, consumeOnly, postgresAlone, peer, tenth } = results;
  const rows: string[][] = [
    [
      'produce the backlog (acks=1, before the service starts)',
      int(backlog.events / backlog.produceSeconds),
      `${int(backlog.events)} events in ${sec(backlog.produceSeconds)}`,
    ],
  ];
  for (const drain of results.drains) {
    const rates = drainRates(drain);
    const who = `${drain.instances} instance${drain.instances > 1 ? 's' : ''}`;
    rows.push(
      [
        `drain, ${who}: service start to zero lag`,
        int(rates.fromStart),
        `${int(drain.events)} events in ${sec(drain.secondsFromStart)}`,
      ],
      [
        `drain, ${who}: first slice to zero lag`,
        int(rates.fromFirstSlice),
        `${int(drain.events)} events in ${sec(drain.secondsFromFirstSlice)} (boot ${sec(drain.secondsFromStart - drain.secondsFromFirstSlice)})`,
      ],
    );
  }
  const tenthRates = drainRates(tenth);
  const linear = linearity(results);
  rows.push(
    [
      `drain of a tenth (${int(tenth.events)}), ${tenth.instances} instance: start / first slice to zero lag`,
      `${int(tenthRates.fromStart)} / ${int(tenthRates.fromFirstSlice)}`,
      `${sec(tenth.secondsFromStart)} / ${sec(tenth.secondsFromFirstSlice)}`,
    ],
    [
      `linear cost: 10x the events takes`,
      '',
      `${linear.withoutBoot.toFixed(2)}x the time without the boot, ${linear.withBoot.toFixed(2)}x with it`,
    ],
    [
      `freshness at ${int(freshness.offeredRate)}/s offered for ${config.freshnessSeconds} s: p50 / p99 / max`,
      '',
      `${ms(freshness.p50)} / ${ms(freshness.p99)} / ${ms(freshness.max)} over ${int(freshness.measured)} messages`,
    ],
    [
      'freshness: rate offered / rate made visible',
      `${int(freshness.achievedOfferRate)} / ${int(freshness.visibleRate)}`,
      freshness.keptUp
        ? `kept up (last message visible ${ms(freshness.tailSeconds * 1000)} after the last produced)`
        : `did NOT keep up: ${freshness.unseen > 0 ? `${int(freshness.unseen)} messages never visible` : `the last message was visible ${sec(freshness.tailSeconds)} after the last produced`}`,
    ],
    [
      'first record: service start to healthy / produced to answered by the API (first; median and max of the next)',
      '',
      `${ms(results.firstRecord.bootMs)} / ${ms(results.firstRecord.firstMs)}; ${ms(results.firstRecord.laterMedianMs)} and ${ms(results.firstRecord.laterMaxMs)} over ${results.firstRecord.later}`,
    ],
    [
      "service's slices (its /metrics): count, mean size, mean / p99 duration",
      '',
      `drain ${describeSlices(results.primary.slices)}; freshness ${describeSlices(freshness.slices)}`,
    ],
    [
      'service peak memory (VmHWM), highest instance of any run',
      '',
      `${int(peakOf(results))} MiB (drains: ${results.drains.map((drain) => drain.peakMiB.map(int).join('+')).join(', ')}; tenth ${int(tenth.peakMiB[0] ?? 0)}; freshness ${int(freshness.peakMiB)})`,
    ],
    [
      'ceiling, Kafka alone: kafkajs eachBatch that only resolves offsets',
      int(consumeOnly.events / consumeOnly.seconds),
      `${int(consumeOnly.events)} events in ${sec(consumeOnly.seconds)} from joining the group (connect and join ${sec(consumeOnly.setupSeconds)})`,
    ],
    [
      'ceiling, Postgres alone: INSERT … SELECT FROM json_to_recordset into events (not COPY)',
      int(postgresAlone.events / postgresAlone.seconds),
      `${int(postgresAlone.events)} rows in ${sec(postgresAlone.seconds)}, 5,000 a statement`,
    ],
    [
      `peer: ${peer.name}, one appendToStream per message`,
      int(peer.events / peer.seconds),
      `${int(peer.events)} events in ${sec(peer.seconds)}, ${peer.writers} writers${peer.events < backlog.events ? `, capped at the first ${int(peer.events)} of the ${int(backlog.events)}` : ''}`,
    ],
  );
  return rows;
}

function describeSlices(slices: SliceStats | null): string {
  if (!slices) return 'n/a';
  return `${int(slices.slices)} slices of ${int(slices.meanSize)} records, ${int(slices.meanMs)} ms / <= ${Number.isFinite(slices.p99AtMostMs) ? int(slices.p99AtMostMs) : '∞'} ms`;
}

interface Verdict {
  target: string;
  measured: string;
  verdict: string;
}

function missedBy(
  value: number,
  target: number,
  higherIsBetter: boolean,
  unit: string,
  format: (v: number) => string,
): string {
  const met = higherIsBetter ? value >= target : value <= target;
  if (met) return 'met';
  const gap = Math.abs(value - target);
  const share = higherIsBetter
    ? `${((gap / target) * 100).toFixed(0)}% short`
    : `${(value / target).toFixed(1)}x the bound`;
  return `MISSED by ${format(gap)}${unit} (${share})`;
}

export function verdicts(results: BenchResults): Verdict[] {
  const { primary, freshness, peer } = results;
  const rate = serviceRate(results);
  const linear = linearity(results);
  const peerRate = peer.events / peer.seconds;
  const peak = peakOf(results);
  const drainCaveat =
    primary.events === TARGET.drainEvents
      ? ''
      : ` (measured on ${int(primary.events)} events, not 1,000,000: run with BENCH_EVENTS=1000000)`;
  const rateCaveat =
    freshness.offeredRate === TARGET.freshnessRate ? '' : ` (offered ${int(freshness.offeredRate)}/s, not 5,000/s)`;
  return [
    {
      target: 'drain 1,000,000 events at >= 25,000 events/s (service start to zero lag)',
      measured: `${int(rate.fromStart)}/s${drainCaveat}; ${int(rate.fromFirstSlice)}/s without the boot`,
      verdict: missedBy(rate.fromStart, TARGET.drainRate, true, '/s', int),
    },
    {
      target: 'freshness p99 <= 250 ms at 5,000 events/s offered',
      measured: `p99 ${ms(freshness.p99)}${rateCaveat}${freshness.keptUp ? '' : '; the service did not keep up'}`,
      verdict: Number.isFinite(freshness.p99)
        ? missedBy(freshness.p99, TARGET.freshnessP99Ms, false, ' ms', int)
        : 'MISSED (messages never visible)',
    },
    {
      target: 'peak memory <= 512 MiB',
      measured: `${int(peak)} MiB`,
      verdict: missedBy(peak, TARGET.memoryMiB, false, ' MiB', int),
    },
    {
      target: 'linear cost: 10x the events in <= 11x the time',
      measured: `${linear.withoutBoot.toFixed(2)}x without the boot (${linear.withBoot.toFixed(2)}x with it)`,
      verdict: missedBy(linear.withoutBoot, TARGET.linearRatio, false, 'x', (v) => v.toFixed(2)),
    },
    {
      target: ">= 3x the peer's rate",
      measured: `${(rate.fromFirstSlice / peerRate).toFixed(1)}x (${int(rate.fromFirstSlice)}/s without the boot against ${int(peerRate)}/s); ${(rate.fromStart / peerRate).toFixed(1)}x with the boot`,
      verdict: missedBy(rate.fromFirstSlice / peerRate, TARGET.peerMultiple, true, 'x', (v) => v.toFixed(1)),
    },
  ];
}

function phases(results: BenchResults): [string, CpuUsage][] {
  return [
    ...results.drains.map((drain): [string, CpuUsage] => [`drain, ${drain.instances} instance(s)`, drain.cpu]),
    ['drain of a tenth', results.tenth.cpu],
    ['freshness', results.freshness.cpu],
    ['Kafka alone', results.consumeOnly.cpu],
    ['Postgres alone', results.postgresAlone.cpu],
    ['peer', results.peer.cpu],
  ];
}

const CPU_HEADER = [
  'phase (cores used)',
  'time',
  'service',
  'postgres',
  'kafka',
  'bench',
  'other processes',
  'unattributed',
  'machine',
];

function cpuRows(results: BenchResults): string[][] {
  return phases(results).map(([phase, usage]) => [
    phase,
    sec(usage.seconds),
    ...[usage.service, usage.postgres, usage.kafka, usage.bench, usage.other, usage.unattributed, usage.total].map(
      cores,
    ),
  ]);
}

/** Microseconds of CPU per event, by part; `ours` is the service, its Postgres and the broker. */
function costPerEvent(
  usage: CpuUsage,
  events: number,
): { service: number; postgres: number; kafka: number; ours: number } {
  const micros = (coresUsed: number): number => (coresUsed * usage.seconds * 1e6) / Math.max(events, 1);
  const service = micros(usage.service);
  const postgres = micros(usage.postgres);
  const kafka = micros(usage.kafka);
  return { service, postgres, kafka, ours: service + postgres + kafka };
}

/** What each figure leans against, read off the run's own numbers. */
function readings(results: BenchResults): string[] {
  const { machine, consumeOnly, postgresAlone, freshness, primary } = results;
  const rate = serviceRate(results).fromFirstSlice;
  const kafkaRate = consumeOnly.events / consumeOnly.seconds;
  const postgresRate = postgresAlone.events / postgresAlone.seconds;
  const lines = [
    `The drain (without the boot) runs at ${((rate / kafkaRate) * 100).toFixed(0)}% of the Kafka-alone ceiling and ${((rate / postgresRate) * 100).toFixed(0)}% of the Postgres-alone one.`,
    `During the ${primary.instances}-instance drain the machine was ${((primary.cpu.total / machine.cores) * 100).toFixed(0)}% busy (${cores(primary.cpu.total)} of ${machine.cores} cores: service ${cores(primary.cpu.service)}, Postgres ${cores(primary.cpu.postgres)}, Kafka ${cores(primary.cpu.kafka)}).`,
  ];
  const drainCost = costPerEvent(primary.steadyCpu, primary.steadyEvents);
  const freshCost = costPerEvent(freshness.cpu, freshness.produced);
  const budget = (machine.cores * 1e6) / TARGET.drainRate;
  lines.push(
    `CPU per event in the drain, boot left out: service ${int(drainCost.service)} µs, Postgres ${int(drainCost.postgres)} µs, Kafka ${int(drainCost.kafka)} µs; ` +
      `${int(drainCost.ours)} µs in all, so ${machine.cores} cores with nothing else running could carry about ${int((machine.cores * 1e6) / drainCost.ours)} events/s ` +
      `(25,000/s needs at most ${int(budget)} µs). At ${int(freshness.offeredRate)}/s offered (smaller slices) it is service ${int(freshCost.service)} µs, Postgres ${int(freshCost.postgres)} µs.`,
  );
  const multi = results.drains.filter((drain) => drain.instances > 1);
  if (multi.length > 0) {
    const single = results.drains.find((drain) => drain.instances === 1);
    const base = single ? drainRates(single).fromFirstSlice : undefined;
    lines.push(
      `More instances: ${multi
        .map(
          (drain) =>
            `${drain.instances} give ${int(drainRates(drain).fromFirstSlice)}/s${base ? ` (${(drainRates(drain).fromFirstSlice / base).toFixed(2)}x one)` : ''}`,
        )
        .join(', ')}; they share ${machine.cores} cores with Kafka and Postgres.`,
    );
  }
  lines.push(
    `Freshness: ${freshness.keptUp ? 'the service kept up with' : 'the service did NOT keep up with'} ${int(freshness.offeredRate)}/s offered (${int(freshness.achievedOfferRate)}/s achieved by the producer, ${int(freshness.visibleRate)}/s made visible); the poller asked every ${freshness.pollIntervalMeanMs.toFixed(1)} ms on average (longest gap ${int(freshness.pollIntervalMaxMs)} ms), which adds about half that to each figure.`,
  );
  if (results.brokerRestarted) {
    lines.push(
      'NOISY: the shared local broker was restarted during the run (by other work on the machine); a phase that spanned the restart includes the wait.',
    );
  }
  const others = Math.max(...phases(results).map(([, usage]) => usage.other));
  if (machine.busyCoresBefore > 0.25 || others > 0.25) {
    lines.push(
      `NOISY: other work on the machine used ${cores(machine.busyCoresBefore)} cores in the second before the run (load average ${machine.loadAverageBefore.map((value) => value.toFixed(2)).join(' ')}) and up to ${cores(others)} cores during a phase; the figures are lower than on an idle machine.`,
    );
  }
  return lines;
}

export function renderTable(results: BenchResults): string {
  return [
    table(['measure', 'events/s', 'detail'], resultRows(results)),
    '',
    table(
      ['target', 'measured', 'verdict'],
      verdicts(results).map((verdict) => [verdict.target, verdict.measured, verdict.verdict]),
    ),
    '',
    table(CPU_HEADER, cpuRows(results)),
    '',
    ...readings(results).map((line) => `- ${line}`),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const { config, machine } = results;
  return `# Benchmarks

Written by \`npm run bench\` (apps/bench) on ${results.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, in one run of ${sec(results.totalSeconds)}.

\`\`\`sh
${config.command}
\`\`\`

Settings come from the environment: \`BENCH_EVENTS\` (backlog drained, default 200000; the linearity run
drains a tenth of it), \`BENCH_SUBSCRIBERS\` (20000), \`BENCH_INSTANCES\` (service instances per drain,
a list, default \`1,2,3\`), \`BENCH_FRESHNESS_RATE\` (5000 a second), \`BENCH_FRESHNESS_SECONDS\` (20),
\`BENCH_PEER_EVENTS\` (20000), \`BENCH_SMOKE=1\` (a small run for CI that writes no file),
\`BENCH_WRITE_REPORT=0\` (do not write this file), \`KAFKA_BROKERS\`, \`BENCH_POSTGRES_URL\`.

## Machine

| | |
| --- | --- |
| CPU | ${machine.cores} cores, ${machine.model} |
| memory | ${machine.memoryGiB.toFixed(0)} GiB |
| Node | ${machine.node} |
| Kafka | ${machine.kafka} |
| Postgres | ${machine.postgres}; ${machine.postgresSettings} |
| peer | @event-driven-io/emmett-postgresql ${machine.emmett} |
| before the run | ${cores(machine.busyCoresBefore)} cores busy, load average ${machine.loadAverageBefore.map((value) => value.toFixed(2)).join(' ')} |

Kafka, Postgres, the service and the bench share these cores.

## Settings

- Backlog: ${int(config.events)} \`network.message-sent.v1\` records from the shared generator (\`libs/traffic\`, seed
  20030328, ${int(config.subscribers)} subscribers, 10% MMS, 5% inbound), keyed by sender, on a topic of 6 partitions,
  produced before the service starts. The tenth is the first ${int(results.tenthBacklog.events)} of the same records on a topic of its own.
- Drains: instance counts ${config.instances.join(', ')}; each drain has a fresh database and consumer group; the
  service runs from \`dist\` with its defaults. One instance migrates its own database (inside "service start");
  several start at once on a database migrated just before by the ledger CLI. Recorded offsets are read from
  Postgres (\`ingest_offsets\`) every 50 ms.
- Freshness: ${int(config.freshnessRate)} messages a second for ${config.freshnessSeconds} s after a ${results.freshness.warmUpSeconds} s warm-up
  that is not counted, sent every 10 ms, on a fresh topic and database, to one running service.
- Ceilings and peer: the same records. Kafka alone reads the drain's backlog from the beginning. Postgres alone writes
  ${int(config.events)} rows into the ledger's \`events\` table on a fresh database. The peer appends the first ${int(results.peer.events)}.

## Results

${table(['measure', 'events/s', 'detail'], resultRows(results))}

## Against the targets

${table(
  ['target', 'measured', 'verdict'],
  verdicts(results).map((verdict) => [verdict.target, verdict.measured, verdict.verdict]),
)}

## Where the CPU went

Cores used during each phase, from /proc: the service's processes, Postgres (the backends of this run's
databases and the server's own processes; the bench's pollers' backends count as the bench), the broker (shared: others' traffic counts too), the bench
process, every other process, and the busy time no process accounts for (the kernel's own work, such as
loopback networking, and processes that ended during the phase).

${table(CPU_HEADER, cpuRows(results))}

${readings(results)
  .map((line) => `- ${line}`)
  .join('\n')}

## How each figure is taken

- **Drain**: from spawning the service to the poll (every 50 ms) that finds every offset recorded in Postgres;
  "first slice" starts when the transaction of the first recorded slice began (the event store's \`recorded_at\`),
  so it leaves out the boot (Nest, migrations, group join, first fetch).
- **Freshness**: the bench stamps each messageId as it hands it to the producer, and a poller on its own
  connection stamps it when it first sees its \`charges\` row, polling every 10 ms; both on one monotonic clock.
  The poller walks \`events\` by its primary key and joins \`charges\` (written in the same transaction), because
  \`charges\` has no index on \`global_position\` and a scan every 10 ms would load the machine under test; it
  re-asks for positions it skipped, since transactions commit out of position order. "Kept up" means the last
  message was visible within a second of the last produced.
- **Slices**: the service's own histograms (\`ledger_batch_size\`, \`ledger_batch_duration_seconds\` on
  \`GET /metrics\`) read before it stops; the p99 is the upper bound of the bucket that holds it.
- **Peak memory**: VmHWM of each service process, read from /proc before it is stopped.
- **CPU per event**: the cores of each part over the drain's steady stretch (from the first poll that finds a
  recorded offset), times its length, over the events recorded in it.
- **Kafka alone**: a kafkajs consumer set up as the service's (eachBatch, 6 partitions at once, 1 MiB a
  partition) that only resolves offsets; timed from joining its group to the last record.
- **Postgres alone**: multi-row \`INSERT … SELECT FROM json_to_recordset\` of 5,000 rows, one transaction each,
  one connection per core, into the \`events\` table with its unique keys. It is not COPY: \`pg\` cannot stream
  COPY FROM STDIN without \`pg-copy-streams\`, which the project does not have. The JSON is built before the clock.
- **Peer**: Emmett's \`getPostgreSQLEventStore(...).appendToStream(stream, [event])\`, a stream per sender,
  one append per message, ${results.peer.writers} concurrent writers (a sender stays on one), schema created before the clock. It
  stores events only: no rating, no read models, no Kafka, so it does less work per event than the service.
`;
}
