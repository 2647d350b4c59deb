import { cpus } from 'node:os';
import type kafkajs from 'kafkajs';
import pg from 'pg';
import { benchTraffic, type Backlog } from './backlog.js';
import { databaseUrl, type BenchConfig } from './bench-config.js';
import { CpuMeter, type CpuUsage } from './cpu-usage.js';
import { Progress } from './progress.js';
import { prepareDatabase } from './service-process.js';

export interface CeilingResult {
  readonly events: number;
  /** The measured stretch: for the consumer, from joining its group, the connection and join left out. */
  readonly seconds: number;
  /** Time before the measured stretch (connecting and joining the group), when there is one. */
  readonly setupSeconds: number;
  readonly cpu: CpuUsage;
}

/**
 * Kafka alone: a kafkajs consumer configured as the service's (eachBatch, six partitions at once,
 * 1 MiB a partition a fetch) that only resolves offsets, reading the same backlog from the beginning,
 * timed from joining its group to the last record.
 */
export async function consumeOnly(kafka: kafkajs.Kafka, config: BenchConfig, backlog: Backlog): Promise<CeilingResult> {
  const consumer = kafka.consumer({
    groupId: `bench-${config.runId}-consume-only`,
    maxBytesPerPartition: 1024 * 1024,
    sessionTimeout: 30_000,
  });
  const cpu = new CpuMeter(`ledger_bench_${config.runId}_`);
  const bar = new Progress('Kafka alone: consume', backlog.events);
  const started = performance.now();
  let joinedAt = 0;
  let consumed = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = performance.now();
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [backlog.topic], fromBeginning: true });
    const finished = new Promise<number>((resolve) => {
      void consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 6,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const last = batch.messages[batch.messages.length - 1];
          if (last) payload.resolveOffset(last.offset);
          consumed += batch.messages.length;
          bar.update(consumed);
          if (consumed >= backlog.events) resolve(performance.now());
          await payload.heartbeat();
        },
      });
    });
    const timeout = sleepReject(60_000 + backlog.events, 'the consume-only ceiling did not finish');
    const finishedAt = await Promise.race([finished, timeout.promise]);
    timeout.cancel();
    return {
      events: backlog.events,
      seconds: (finishedAt - joinedAt) / 1000,
      setupSeconds: (joinedAt - started) / 1000,
      cpu: cpu.stop(),
    };
  } finally {
    bar.stop();
    await consumer.disconnect();
  }
}

/** Rows a statement: large enough that the commit is a small share of its cost. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Postgres alone: the same records written into the ledger's own `events` table (its unique
 * stream version and idempotency key, on a fresh database migrated by the ledger CLI), as
 * multi-row INSERT … SELECT FROM json_to_recordset statements of 5,000 rows, each its own
 * transaction, one connection per core. This is not COPY: pg cannot stream COPY FROM STDIN
 * without pg-copy-streams, which the project does not have. The JSON is built before the clock starts.
 */
export async function postgresAlone(config: BenchConfig, events: number): Promise<CeilingResult> {
  const url = databaseUrl(config, 'pg_alone');
  await prepareDatabase({
    databaseUrl: url,
    topicPrefix: `bench-${config.runId}-pg-alone.`,
    groupId: 'unused',
    brokers: config.brokers,
    apiKey: 'unused-key',
  });
  const statements = eventsAsJson(config, events);
  const connections = Math.max(1, Math.min(cpus().length, 4));
  const pool = new pg.Pool({ connectionString: url, max: connections, application_name: 'bench-postgres-alone' });
  const cpu = new CpuMeter(`ledger_bench_${config.runId}_`);
  const bar = new Progress('Postgres alone: INSERT', events);
  try {
    const started = performance.now();
    let next = 0;
    let written = 0;
    const worker = async (): Promise<void> => {
      while (next < statements.length) {
        const statement = statements[next++];
        await pool.query({
          name: 'bench-insert-events',
          text: `INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data)
                 SELECT s, v, t, k, d FROM json_to_recordset($1::json) AS r(s text, v int, t text, k text, d jsonb)`,
          values: [statement.json],
        });
        written += statement.rows;
        bar.update(written);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    return { events, seconds: (performance.now() - started) / 1000, setupSeconds: 0, cpu: cpu.stop() };
  } finally {
    bar.stop();
    await pool.end();
  }
}

/** The bench records as the event store's rows: a stream per sender, versions in order, the JSON line as data. */
function eventsAsJson(config: BenchConfig, events: number): { json: string; rows: number }[] {
  const versions = new Map<string, number>();
  const statements: { json: string; rows: number }[] = [];
  let rows: unknown[] = [];
  for (const record of benchTraffic(config, events)) {
    const stream = `subscriber-${record.key}`;
    const version = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, version);
    const message = JSON.parse(record.value) as { messageId: string };
    rows.push({ s: stream, v: version, t: 'MessageSent', k: `message:${message.messageId}`, d: message });
    if (rows.length === ROWS_PER_STATEMENT) {
      statements.push({ json: JSON.stringify(rows), rows: rows.length });
      rows = [];
    }
  }
  if (rows.length > 0) statements.push({ json: JSON.stringify(rows), rows: rows.length });
  return statements;
}

function sleepReject(ms: number, message: string): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
