import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import pg from 'pg';
import { machineBusyBefore } from './cpu-usage.js';

export interface Machine {
  readonly cores: number;
  readonly model: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kafka: string;
  readonly postgres: string;
  /** Postgres settings that weigh on a commit-per-slice workload. */
  readonly postgresSettings: string;
  readonly emmett: string;
  /** Cores busy over a second before the bench started, and the load average: other people's work. */
  readonly busyCoresBefore: number;
  readonly loadAverageBefore: readonly number[];
  /** The local broker's process when the run began: another at the end means someone restarted it. */
  readonly brokerPid: number | null;
}

export async function describeMachine(postgresUrl: string): Promise<Machine> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  let postgres: string;
  let postgresSettings: string;
  try {
    postgres = (await client.query<{ version: string }>('SELECT version()')).rows[0].version.replace(/ on .*/, '');
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
       WHERE name IN ('synchronous_commit', 'fsync', 'shared_buffers', 'wal_level', 'max_connections') ORDER BY name`,
    );
    postgresSettings = settings.rows
      .map(
        (row) =>
          `${row.name}=${row.name === 'shared_buffers' ? `${(Number(row.setting) * 8) / 1024} MiB` : row.setting}`,
      )
      .join(', ');
  } finally {
    await client.end();
  }
  const { busyCores, loadAverage } = await machineBusyBefore();
  return {
    cores: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    kafka: kafkaVersion(),
    postgres,
    postgresSettings,
    emmett: packageVersion('@event-driven-io/emmett-postgresql'),
    busyCoresBefore: busyCores,
    loadAverageBefore: loadAverage,
    brokerPid: localBrokerPid(),
  };
}

/** The process of the local stack's broker (scripts/stack/stack.sh), if that is what runs. */
export function localBrokerPid(): number | null {
  try {
    const pid = Number(readFileSync('.stack/kafka.pid', 'utf8').trim());
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka') ? pid : null;
  } catch {
    return null;
  }
}

/** The local stack's broker names its version in its class path. */
function kafkaVersion(): string {
  const pid = localBrokerPid();
  const match = pid === null ? null : /kafka-(\d+\.\d+\.\d+)\//.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  return match
    ? `Apache Kafka ${match[1]}, single node (KRaft), scripts/stack`
    : 'unknown (not the local stack of scripts/stack)';
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
