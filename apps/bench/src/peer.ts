import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { benchMix } from './backlog.js';
import { databaseName, databaseUrl, type BenchConfig } from './bench-config.js';
import { CpuMeter, type CpuUsage } from './cpu-usage.js';
import { Progress } from './progress.js';

export interface PeerResult {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly writers: number;
  /** Calls to appendToStream, and so the events each carried on average. */
  readonly appends: number;
  readonly batched: boolean;
  readonly cpu: CpuUsage;
}

/** The most events one appendToStream carries in the batched run: a stream's pending messages, as a consumer's batch would hold them. */
const MOST_PER_APPEND = 100;

/** As many writers as the service rates partitions at once (INGEST_CONCURRENCY's default). */
const WRITERS = 6;

/**
 * The peer: Emmett's PostgreSQL event store appending the same messages (the mix's first
 * occurrences of valid ones) on a stream per sender into a database of its own. Six writers share
 * the senders between them (a sender's messages stay in order on one writer), as the service's six
 * partitions do. Its schema is created before the clock starts. Unbatched, it makes one
 * appendToStream per message, as its documentation shows; batched, it is given its best use: its API
 * appends several events to one stream at once, so each writer appends all its pending messages of a
 * stream (up to 100) in one call, as a consumer holding a batch would.
 */
export async function emmettPeer(config: BenchConfig, batched: boolean): Promise<PeerResult> {
  const name = batched ? 'emmett_batched' : 'emmett';
  await createDatabase(config, name);
  const eventStore = getPostgreSQLEventStore(databaseUrl(config, name));
  const bar = new Progress(`peer: Emmett${batched ? ' batched' : ''}`, config.peerEvents);
  try {
    await eventStore.schema.migrate();
    const lanes: Map<string, Record<string, unknown>[]>[] = Array.from(
      { length: WRITERS },
      () => new Map<string, Record<string, unknown>[]>(),
    );
    let messages = 0;
    for (const input of benchMix(config, config.peerEvents)) {
      if (input.kind !== 'message' || input.messageId === null) continue;
      const stream = `subscriber-${input.record.key}`;
      const lane = lanes[laneOf(input.record.key, WRITERS)];
      const pending = lane.get(stream) ?? [];
      pending.push(JSON.parse(input.record.value) as Record<string, unknown>);
      lane.set(stream, pending);
      messages += 1;
    }
    // Unbatched: every message its own call, in the order generated per stream.
    const calls: { stream: string; events: Record<string, unknown>[] }[][] = lanes.map((lane) =>
      [...lane].flatMap(([stream, events]) => {
        const size = batched ? MOST_PER_APPEND : 1;
        const chunks: { stream: string; events: Record<string, unknown>[] }[] = [];
        for (let from = 0; from < events.length; from += size)
          chunks.push({ stream, events: events.slice(from, from + size) });
        return chunks;
      }),
    );
    const cpu = new CpuMeter(`ledger_bench_${config.runId}_`);
    const started = performance.now();
    let appended = 0;
    let appends = 0;
    await Promise.all(
      calls.map(async (laneCalls) => {
        for (const { stream, events } of laneCalls) {
          await eventStore.appendToStream(
            stream,
            events.map((data) => ({ type: 'MessageSent', data })),
          );
          appended += events.length;
          appends += 1;
          if (appends % 100 === 0) bar.update(appended);
        }
      }),
    );
    bar.update(appended);
    if (appended !== messages) throw new Error(`the peer appended ${appended} of ${messages} messages`);
    return {
      name: 'Emmett (@event-driven-io/emmett-postgresql)',
      events: appended,
      seconds: (performance.now() - started) / 1000,
      writers: WRITERS,
      appends,
      batched,
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
