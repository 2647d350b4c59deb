import { cpus } from 'node:os';
import type kafkajs from 'kafkajs';
import { connectionOptions } from '@ledger/app/platform/database/database.js';
import pg from 'pg';
import { benchMix, type Backlog } from './backlog.js';
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
  const bar = new Progress('Kafka alone: consume', backlog.records);
  const started = performance.now();
  let joinedAt = 0;
  let consumed = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = performance.now();
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...backlog.topics], fromBeginning: true });
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
          if (consumed >= backlog.records) resolve(performance.now());
          await payload.heartbeat();
        },
      });
    });
    const timeout = sleepReject(60_000 + backlog.events, 'the consume-only ceiling did not finish');
    const finishedAt = await Promise.race([finished, timeout.promise]);
    timeout.cancel();
    return {
      events: backlog.records,
      seconds: (finishedAt - joinedAt) / 1000,
      setupSeconds: (joinedAt - started) / 1000,
      cpu: cpu.stop(),
    };
  } finally {
    bar.stop();
    await consumer.disconnect();
  }
}

/** Events a transaction in the ideal append, as the issue defines it. */
export const IDEAL_EVENTS_PER_TRANSACTION = 1_000;

/**
 * The ideal batch append (issue #17): the same inputs as the drain's backlog written as events into the
 * ledger's own `events` table (its unique stream version and idempotency key, on a fresh database
 * migrated by the ledger CLI), plus one balance row upserted per subscriber per transaction, 1,000
 * events a transaction in one round trip (a data-modifying CTE), one connection per core, no Kafka, no
 * rating, planned as the ledger plans its appends. A subscriber's events stay on one connection (as a
 * partition's do), so versions follow each other and no two transactions fight over a balance row. The
 * statements are built before the clock.
 */
export async function idealAppend(config: BenchConfig, messages: number): Promise<CeilingResult> {
  const url = databaseUrl(config, 'ideal');
  await prepareDatabase({
    databaseUrl: url,
    topicPrefix: `bench-${config.runId}-ideal.`,
    groupId: 'unused',
    brokers: config.brokers,
    apiKey: 'unused-key',
  });
  const connections = Math.max(1, cpus().length);
  const lanes = idealStatements(config, messages, connections);
  const events = lanes.reduce((sum, lane) => sum + lane.reduce((rows, statement) => rows + statement.rows, 0), 0);
  // Planned as the ledger plans its own appends (keyed: by index, never a scan or a hash join). The
  // events table's trigger joins the appended rows to the stream heads; planned from statistics, that
  // join read every head of every transaction, and the ideal slowed as the subscribers grew.
  const pool = new pg.Pool({
    connectionString: url,
    max: connections,
    application_name: 'bench-ideal-append',
    options: connectionOptions('keyed'),
  });
  const bar = new Progress('ideal batch append', events);
  try {
    await pool.query(
      'CREATE TABLE bench_balances (msisdn text PRIMARY KEY, events bigint NOT NULL, pence bigint NOT NULL)',
    );
    const cpu = new CpuMeter(`ledger_bench_${config.runId}_`);
    const started = performance.now();
    let written = 0;
    await Promise.all(
      lanes.map(async (statements) => {
        for (const statement of statements) {
          await pool.query({
            name: 'bench-ideal-append',
            text: `WITH appended AS (
                     INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data)
                     SELECT s, v, t, k, d FROM json_to_recordset($1::json) AS r(s text, v int, t text, k text, d json)
                   )
                   INSERT INTO bench_balances (msisdn, events, pence)
                   SELECT m, n, p FROM json_to_recordset($2::json) AS b(m text, n int, p int)
                   ON CONFLICT (msisdn) DO UPDATE
                     SET events = bench_balances.events + excluded.events, pence = bench_balances.pence + excluded.pence`,
            values: [statement.events, statement.balances],
          });
          written += statement.rows;
          bar.update(written);
        }
      }),
    );
    return { events, seconds: (performance.now() - started) / 1000, setupSeconds: 0, cpu: cpu.stop() };
  } finally {
    bar.stop();
    await pool.end();
  }
}

interface IdealStatement {
  readonly events: string;
  readonly balances: string;
  readonly rows: number;
}

/**
 * The backlog's inputs as the event store's rows (a stream per subscriber, versions in order; repeats
 * and invalid records left out, as the ledger records them once or not at all), cut into transactions
 * of 1,000 per connection, each with its subscribers' balance rows.
 */
function idealStatements(config: BenchConfig, messages: number, connections: number): IdealStatement[][] {
  const versions = new Map<string, number>();
  const lanes: { rows: unknown[]; statements: IdealStatement[] }[] = Array.from({ length: connections }, () => ({
    rows: [],
    statements: [],
  }));
  const seal = (lane: { rows: unknown[]; statements: IdealStatement[] }): void => {
    const balances = new Map<string, { m: string; n: number; p: number }>();
    for (const row of lane.rows as { m: string; p: number }[]) {
      const balance = balances.get(row.m) ?? { m: row.m, n: 0, p: 0 };
      balance.n += 1;
      balance.p += row.p;
      balances.set(row.m, balance);
    }
    lane.statements.push({
      events: JSON.stringify(lane.rows),
      balances: JSON.stringify([...balances.values()]),
      rows: lane.rows.length,
    });
    lane.rows = [];
  };
  for (const input of benchMix(config, messages)) {
    let row: { s: string; v: number; t: string; k: string; d: unknown; m: string; p: number };
    const stream = (msisdn: string): { s: string; v: number } => {
      const s = `subscriber-${msisdn}`;
      const v = (versions.get(s) ?? 0) + 1;
      versions.set(s, v);
      return { s, v };
    };
    if (input.kind === 'message') {
      if (input.messageId === null) continue;
      const message = JSON.parse(input.record.value) as { messageId: string };
      const d = { message, units: 0, pence: 10, allocations: [] };
      row = {
        ...stream(input.record.key),
        t: 'MessageCharged',
        k: `message:${message.messageId}`,
        d,
        m: input.record.key,
        p: 10,
      };
    } else {
      const msisdn = input.kind === 'purchase' ? input.record.key : input.msisdn;
      const body = JSON.parse(input.kind === 'purchase' ? input.record.value : input.body) as { purchaseId: string };
      const d = { ...body, msisdn, units: 50, pricePence: 300 };
      row = { ...stream(msisdn), t: 'BoltOnPurchased', k: `purchase:${body.purchaseId}`, d, m: msisdn, p: 0 };
    }
    const lane = lanes[laneOf(row.m, connections)];
    lane.rows.push(row);
    if (lane.rows.length === IDEAL_EVENTS_PER_TRANSACTION) seal(lane);
  }
  for (const lane of lanes) if (lane.rows.length > 0) seal(lane);
  return lanes.map((lane) => lane.statements);
}

function laneOf(key: string, lanes: number): number {
  let hash = 0;
  for (let index = 0; index < key.length; index += 1) hash = (hash * 31 + key.charCodeAt(index)) | 0;
  return Math.abs(hash) % lanes;
}

function sleepReject(ms: number, message: string): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
