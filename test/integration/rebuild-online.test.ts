import type pg from 'pg';
import { apiClient, isolatedEnvironment, KEYS } from '../support/ledger-harness.js';
import { runLedgerCli, ServiceProcess } from '../support/service-process.js';
import {
  buildWorkload,
  dropDatabase,
  exactlyOnceProblems,
  FaultProducer,
  inputTopics,
  recordedSoFar,
  sleep,
  testPool,
  waitUntilConsumed,
} from '../faults/fault-workload.js';

/**
 * `npm run ledger -- rebuild` while the built service ingests a steady stream: the rebuild
 * projects into shadow tables and swaps them in, so balance reads keep answering, ingest waits
 * at most a moment, Postgres detects no deadlock, and `verify` is clean after it. The stream is
 * offered at REBUILD_ONLINE_RATE messages a second (5,000 by default); the output gives the rate
 * the producer achieved and the rate the ledger recorded during the rebuild.
 */
const BACKLOG = 60_000;
/** The stream's offered rate, messages a second (the 5,000 unless REBUILD_ONLINE_RATE says otherwise). */
const RATE = rateFrom(process.env.REBUILD_ONLINE_RATE);
/** One chunk every 100 ms, sent on a schedule: a chunk that went late is followed at once by the next. */
const TICK_MS = 100;
const CHUNK = Math.max(1, Math.round((RATE * TICK_MS) / 1_000));
/**
 * Forty-five seconds of stream, more than the rebuild lasts (12 to 25 s on this machine, 5 s of
 * baseline reads before it): what is left when it ends goes at full speed.
 */
const STREAM = RATE * 45;

function rateFrom(given: string | undefined): number {
  if (given === undefined || given === '') return 5_000;
  const rate = Number(given);
  if (!Number.isInteger(rate) || rate < 100)
    throw new Error(`REBUILD_ONLINE_RATE must be a whole number of messages a second, at least 100, not ${given}`);
  return rate;
}

describe('rebuilding the read models while the service ingests', () => {
  const environment = isolatedEnvironment('rebuild-online');
  const workload = buildWorkload({ messages: BACKLOG + STREAM, subscribers: 2_000 });
  const topics = inputTopics(environment);
  const service = new ServiceProcess(environment, { name: 'rebuild-online' });
  let producer: FaultProducer;
  let pool: pg.Pool;

  beforeAll(async () => {
    await service.start();
    producer = await FaultProducer.connect(environment);
    pool = testPool(environment);
    await producer.send(topics.boltOnPurchased, workload.purchases);
    await waitUntilConsumed(pool, producer.placed, null, 60_000);
    await producer.send(topics.messageSent, workload.messages.slice(0, BACKLOG), 1_000);
    await waitUntilConsumed(pool, producer.placed, null, 300_000);
  }, 600_000);

  afterAll(async () => {
    await service.stop();
    await producer?.close();
    await pool?.end();
    await dropDatabase(environment).catch(() => undefined);
  }, 120_000);

  it('keeps balance reads under a second and ingest moving, logs no deadlock, and ends with verify clean', async () => {
    const database = decodeURIComponent(new URL(environment.env.DATABASE_URL).pathname.slice(1));
    const deadlocks = async (): Promise<number> =>
      Number(
        (await pool.query<{ n: string }>('SELECT deadlocks AS n FROM pg_stat_database WHERE datname = $1', [database]))
          .rows[0].n,
      );
    const deadlocksBefore = await deadlocks();
    const msisdns = [...new Set([...workload.expectedBoltOns.values()].map((boltOn) => boltOn.msisdn))];
    const api = apiClient(service.url, KEYS.retail);

    const stream = workload.messages.slice(BACKLOG);
    let steady = true;
    const streaming = (async () => {
      const started = performance.now();
      for (let sent = 0; sent < stream.length; sent += CHUNK) {
        const due = started + (sent / RATE) * 1_000 - performance.now();
        if (steady && due > 0) await sleep(due);
        await producer.send(topics.messageSent, stream.slice(sent, sent + CHUNK), CHUNK);
      }
    })();

    let rebuilding = true;
    const reads: number[] = [];
    const failedReads: string[] = [];
    const readBalances = async (until: () => boolean): Promise<number[]> => {
      const times: number[] = [];
      for (let index = 0; !until(); index++) {
        const started = performance.now();
        const balance = await api.get(`/v1/subscribers/${msisdns[index % msisdns.length]}/balance`);
        times.push(performance.now() - started);
        if (balance.status !== 200) failedReads.push(`${balance.status} ${JSON.stringify(balance.body)}`);
      }
      return times;
    };
    // The same reads for a few seconds before the rebuild: what this machine gives without it.
    const baselineEnds = Date.now() + 5_000;
    const baseline = await readBalances(() => Date.now() > baselineEnds);
    const reading = readBalances(() => !rebuilding).then((times) => reads.push(...times));
    // The longest time the ledger recorded nothing while records waited for it.
    let longestIngestWaitMs = 0;
    const watching = (async () => {
      let last = await recordedSoFar(pool);
      let since = Date.now();
      while (rebuilding) {
        await sleep(50);
        const now = await recordedSoFar(pool);
        if (now > last || now >= producer.placed.length) {
          last = now;
          since = Date.now();
        } else longestIngestWaitMs = Math.max(longestIngestWaitMs, Date.now() - since);
      }
    })();

    const placedAtStart = producer.placed.length;
    const recordedAtStart = await recordedSoFar(pool);
    const rebuildStarted = Date.now();
    const rebuild = await runLedgerCli(environment, ['rebuild'], 600_000);
    const rebuildEnded = Date.now();
    if (rebuild.code !== 0) process.stderr.write(`[rebuild online] the rebuild failed:\n${rebuild.output}\n`);
    const placedDuring = producer.placed.length - placedAtStart;
    const recordedDuring = (await recordedSoFar(pool)) - recordedAtStart;
    const streamLeft = producer.placed.length < workload.purchases.length + BACKLOG + STREAM;
    rebuilding = false;
    steady = false;
    await Promise.all([reading, watching]);
    await streaming;
    const seconds = (rebuildEnded - rebuildStarted) / 1000;
    const produced = (placedDuring / seconds).toFixed(0);
    const ingested = (recordedDuring / seconds).toFixed(0);

    const maxRead = Math.max(...reads);
    process.stderr.write(
      `[rebuild online] rebuild ${seconds.toFixed(1)} s under a stream offered at ${RATE} messages/s: ${produced}/s produced, ${ingested}/s recorded; ` +
        `${reads.length} balance reads, slowest ${maxRead.toFixed(0)} ms (before the rebuild: ${Math.max(...baseline).toFixed(0)} ms); ` +
        `longest ingest wait ${longestIngestWaitMs} ms; ${rebuild.output.split('\n').find((line) => line.startsWith('rebuilt'))}\n`,
    );
    expect(rebuild).toMatchObject({ code: 0 });
    expect(rebuild.output).toMatch(/rebuilt .* from \d+ events/);
    // The stream ran for the whole rebuild, so the rebuild really was under load.
    expect(streamLeft).toBe(true);
    expect(failedReads).toEqual([]);
    expect(reads.length).toBeGreaterThan(10);
    expect(maxRead).toBeLessThan(1_000);
    expect(longestIngestWaitMs).toBeLessThan(3_000);

    await waitUntilConsumed(pool, producer.placed, service.url, 300_000);
    expect(await exactlyOnceProblems(pool, workload, producer.placed)).toEqual([]);
    const verify = await runLedgerCli(environment, ['verify'], 300_000);
    expect(verify.output).toContain('verified');
    expect(verify.code).toBe(0);
    // The statistics collector reports a backend's counts within a second or so of its transaction.
    await sleep(2_000);
    expect(await deadlocks()).toBe(deadlocksBefore);
    // The shadow and retired schemas are gone.
    const schemas = await pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ledger_%'`);
    expect(schemas.rows).toEqual([]);
  }, 900_000);
});
