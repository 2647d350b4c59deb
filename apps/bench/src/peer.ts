import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { benchTraffic } from './backlog.js';
import { databaseName, databaseUrl, type BenchConfig } from './bench-config.js';
import { CpuMeter, type CpuUsage } from './cpu-usage.js';
import { Progress } from './progress.js';

export interface PeerResult {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly writers: number;
  readonly cpu: CpuUsage;
}

/** As many writers as the service rates partitions at once (INGEST_CONCURRENCY's default). */
const WRITERS = 6;

/**
 * The peer: Emmett's PostgreSQL event store appending the same records, one appendToStream per
 * message on a stream per sender, as its documentation shows, into a database of its own. Six
 * writers share the senders between them (a sender's messages stay in order on one writer), as
 * the service's six partitions do. Its schema is created before the clock starts.
 */
export async function emmettPeer(config: BenchConfig): Promise<PeerResult> {
  await createDatabase(config, 'emmett');
  const eventStore = getPostgreSQLEventStore(databaseUrl(config, 'emmett'));
  const bar = new Progress('peer: Emmett appendToStream', config.peerEvents);
  try {
    await eventStore.schema.migrate();
    const lanes: { stream: string; data: Record<string, unknown> }[][] = Array.from({ length: WRITERS }, () => []);
    for (const record of benchTraffic(config, config.peerEvents)) {
      lanes[laneOf(record.key, WRITERS)].push({
        stream: `subscriber-${record.key}`,
        data: JSON.parse(record.value) as Record<string, unknown>,
      });
    }
    const cpu = new CpuMeter(`ledger_bench_${config.runId}_`);
    const started = performance.now();
    let appended = 0;
    await Promise.all(
      lanes.map(async (messages) => {
        for (const { stream, data } of messages) {
          await eventStore.appendToStream(stream, [{ type: 'MessageSent', data }]);
          appended += 1;
          if (appended % 100 === 0) bar.update(appended);
        }
      }),
    );
    bar.update(appended);
    return {
      name: 'Emmett (@event-driven-io/emmett-postgresql)',
      events: appended,
      seconds: (performance.now() - started) / 1000,
      writers: WRITERS,
      cpu: cpu.stop(),
    };
  } finally {
    bar.stop();
    await eventStore.close();
  }
}

function laneOf(key: string, lanes: number): number {
  let hash = 0;
  for (let index = 0; index < key.length; index += 1) hash = (hash * 31 + key.charCodeAt(index)) | 0;
  return Math.abs(hash) % lanes;
}

async function createDatabase(config: BenchConfig, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: config.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${databaseName(config, name)}`);
  } finally {
    await admin.end();
  }
}
