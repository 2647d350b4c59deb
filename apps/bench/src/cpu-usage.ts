import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Cores used during a phase, by who used them: tells a bound (a saturated part) from noise (others' work). */
export interface CpuUsage {
  readonly seconds: number;
  readonly service: number;
  /** Postgres backends serving this run's databases, plus the server's own background processes. */
  readonly postgres: number;
  /** The broker is shared: anyone else's traffic on it counts here too. */
  readonly kafka: number;
  readonly bench: number;
  /** Every other process: other engineers' tests, other databases' backends. */
  readonly other: number;
  /** Busy time no process alive at the end accounts for: the kernel's own work, processes that came and went. */
  readonly unattributed: number;
  /** Time the hypervisor gave this machine's cores to others (steal): cores the run did not have. */
  readonly steal: number;
  /** Busy, steal included. */
  readonly total: number;
}

type Group = 'service' | 'postgres' | 'kafka' | 'bench' | 'other';

interface Snapshot {
  at: number;
  machineBusy: number;
  steal: number;
  byPid: Map<number, { ticks: number; group: Group }>;
}

const TICKS_PER_SECOND = 100;

/** Samples /proc at the start and the end of a phase; processes that exit in between are lost to their group. */
export class CpuMeter {
  private readonly start: Snapshot;

  /**
   * @param databaseMarker the run's database names start with it: their backends count as Postgres
   * @param processes the service's processes, and the backends of the bench's own pollers (the bench's cost)
   */
  constructor(
    private readonly databaseMarker: string,
    private readonly processes: { services?: () => readonly number[]; benchBackends?: () => readonly number[] } = {},
  ) {
    this.start = this.snapshot();
  }

  stop(): CpuUsage {
    const end = this.snapshot();
    const seconds = (end.at - this.start.at) / 1000;
    const groups: Record<Group, number> = { service: 0, postgres: 0, kafka: 0, bench: 0, other: 0 };
    for (const [pid, { ticks, group }] of end.byPid) groups[group] += ticks - (this.start.byPid.get(pid)?.ticks ?? 0);
    const cores = (ticks: number): number => (seconds > 0 ? ticks / TICKS_PER_SECOND / seconds : 0);
    const total = cores(end.machineBusy - this.start.machineBusy);
    const attributed = cores(groups.service + groups.postgres + groups.kafka + groups.bench + groups.other);
    const steal = cores(end.steal - this.start.steal);
    return {
      seconds,
      service: cores(groups.service),
      postgres: cores(groups.postgres),
      kafka: cores(groups.kafka),
      bench: cores(groups.bench),
      other: cores(groups.other),
      unattributed: Math.max(0, total - attributed - steal),
      steal,
      total,
    };
  }

  private snapshot(): Snapshot {
    const services = new Set(this.processes.services?.() ?? []);
    const benchBackends = new Set(this.processes.benchBackends?.() ?? []);
    const byPid: Snapshot['byPid'] = new Map();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name, which is in parentheses and may hold spaces.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        byPid.set(pid, { ticks, group: this.groupOf(pid, command, services, benchBackends) });
      } catch {
        // The process ended while we looked.
      }
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const machineBusy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu[7] ?? 0);
    return { at: Date.now(), machineBusy, steal: cpu[7] ?? 0, byPid };
  }

  private groupOf(pid: number, command: string, services: Set<number>, benchBackends: Set<number>): Group {
    if (pid === process.pid || benchBackends.has(pid)) return 'bench';
    if (services.has(pid)) return 'service';
    if (command === 'postgres') {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // Backends of other databases are other people's work; the server's background processes serve everyone.
      const backend = / \d+\.\d+\.\d+\.\d+\(\d+\)| \[local\]/.test(title);
      return !backend || title.includes(this.databaseMarker) ? 'postgres' : 'other';
    }
    if (command === 'java' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka')) return 'kafka';
    return 'other';
  }
}

/** The machine's busy share over one second, before anything of the bench runs. */
export async function machineBusyBefore(): Promise<{ busyCores: number; loadAverage: number[] }> {
  const meter = new CpuMeter('\0');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const usage = meter.stop();
  return { busyCores: usage.total, loadAverage: loadavg() };
}
