import pg from 'pg';
import type { Backlog } from './backlog.js';
import { databaseUrl, type BenchConfig } from './bench-config.js';
import { CpuMeter, type CpuUsage } from './cpu-usage.js';
import { sendApiPurchases } from './api-purchases.js';
import { waitForFeed, type FeedCatchUp } from './feed-depth.js';
import { prefillStore, type PrefillResult } from './prefill.js';
import { note, Progress } from './progress.js';
import { sliceStats, type SliceStats } from './slice-metrics.js';
import { storeWrites, type TableWrites } from './store-writes.js';
import { prepareDatabase, ServiceInstance, sleep, type LedgerEnvironment } from './service-process.js';

export interface DrainResult {
  readonly label: string;
  readonly instances: number;
  readonly events: number;
  /** From spawning the instances to every record durably recorded (zero lag). */
  readonly secondsFromStart: number;
  /** From the start of the first transaction that recorded events to zero lag: the boot left out. */
  readonly secondsFromFirstSlice: number;
  readonly peakMiB: readonly number[];
  readonly cpu: CpuUsage;
  /** CPU from the first poll that found recorded offsets to zero lag, and the events recorded meanwhile: the cost per event. */
  readonly steadyCpu: CpuUsage;
  readonly steadyEvents: number;
  readonly slices: SliceStats | null;
  /** The rated feed from zero lag: its depth then, and how long until it was empty. */
  readonly feed: FeedCatchUp;
  /** The store was filled before the service started, when it was. */
  readonly prefill: PrefillResult | null;
  /** Rows and btree entries each table took during the drain (the prefill's left out). */
  readonly writes: readonly TableWrites[];
  /** Where `node --cpu-prof` wrote the first instance's profile, when asked. */
  readonly cpuProfileDir: string | null;
}

export interface DrainOptions {
  /** Events to store before the service starts (prefill.ts); 0 for an empty store. */
  readonly prefillEvents?: number;
  /** Runs the first instance under `node --cpu-prof` into this folder. */
  readonly cpuProfileDir?: string;
}

/** Offsets are polled from Postgres directly: cheaper and finer than GET /v1/ingest, which asks the broker each time. */
const POLL_MS = 50;

/**
 * Drains a backlog with `instances` service instances in one consumer group on one fresh database,
 * each a child process on its own port. Several instances start at once on a database migrated
 * beforehand; a single one migrates its database itself, as `start:prod` does.
 */
export async function drainBacklog(
  config: BenchConfig,
  backlog: Backlog,
  instances: number,
  label: string,
  options: DrainOptions = {},
): Promise<DrainResult> {
  const environment: LedgerEnvironment = {
    databaseUrl: databaseUrl(config, label),
    topicPrefix: backlog.topicPrefix,
    groupId: `bench-${config.runId}-${label}`,
    brokers: config.brokers,
    apiKey: `bench-admin-key-${config.runId}`,
  };
  const prefillEvents = options.prefillEvents ?? 0;
  let prefill: PrefillResult | null = null;
  if (instances > 1 || prefillEvents > 0) await prepareDatabase(environment);
  if (prefillEvents > 0) prefill = await prefillStore(environment.databaseUrl, prefillEvents, config.subscribers);
  const services: ServiceInstance[] = [];
  const pollerBackends = new Set<number>();
  const cpuMarker = `ledger_bench_${config.runId}_`;
  const cpuProcesses = {
    services: () => services.map((service) => service.pid),
    benchBackends: () => [...pollerBackends],
  };
  const cpu = new CpuMeter(cpuMarker, cpuProcesses);
  const offsets = new pg.Pool({
    connectionString: environment.databaseUrl,
    max: 1,
    application_name: 'bench-drain-poller',
  });
  offsets.on('error', () => undefined);
  const bar = new Progress(`drain ${backlog.events} x${instances}`, backlog.events);
  const started = performance.now();
  try {
    for (let index = 1; index <= instances; index += 1) {
      const profile =
        index === 1 && options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
      services.push(await ServiceInstance.start(environment, `${label}-${index}`, profile));
    }
    const api = sendApiPurchases(backlog.apiPurchases, services, environment.apiKey);
    // Set from the promise's callbacks, read by the polling loop.
    const apiState: { done: boolean; failure: Error | null } = {
      done: backlog.apiPurchases.length === 0,
      failure: null,
    };
    api.done.then(
      () => (apiState.done = true),
      (error: Error) => (apiState.failure = error),
    );
    const deadline = started + 60_000 + backlog.events * 2;
    let lastPeakSample = 0;
    let steady: { meter: CpuMeter; recorded: number } | null = null;
    for (;;) {
      await sleep(POLL_MS);
      const now = performance.now();
      for (const service of services) service.assertRunning();
      if (apiState.failure) throw apiState.failure;
      if (now - lastPeakSample > 250) {
        for (const service of services) service.samplePeakMemory();
        lastPeakSample = now;
      }
      if (now > deadline)
        throw new Error(
          `the drain of ${backlog.events} events did not finish in ${((now - started) / 1000).toFixed(0)} s`,
        );
      const polled = await recordedOffsets(offsets, backlog.topics);
      if (polled === null) continue;
      pollerBackends.add(polled.backendPid);
      // Kafka records whose offsets are recorded, and API purchases answered (recorded before the answer).
      const recorded = polled.recorded + api.answered();
      if (recorded === 0) continue;
      steady ??= { meter: new CpuMeter(cpuMarker, cpuProcesses), recorded };
      bar.update(recorded);
      if (polled.recorded >= backlog.records && apiState.done) {
        const usage = cpu.stop();
        const steadyUsage = steady.meter.stop();
        const feed = await waitForFeed(offsets);
        note(
          `${label}: zero lag ${((now - started) / 1000).toFixed(1)} s after start; the rated feed had ${feed.depthAtZeroLag} unpublished, empty ${feed.secondsToEmpty.toFixed(1)} s later`,
        );
        const slices = await sliceStats(services.map((service) => service.port));
        // The statistics lag each transaction by up to a second.
        await sleep(1_500);
        const writes = await storeWrites(offsets);
        const firstSliceAt =
          (await firstSliceStart(offsets, prefill?.lastPosition ?? 0)) - (Date.now() - performance.now());
        return {
          label,
          instances,
          events: backlog.events,
          secondsFromStart: (now - started) / 1000,
          secondsFromFirstSlice: (now - firstSliceAt) / 1000,
          peakMiB: services.map((service) => service.samplePeakMemory()),
          cpu: usage,
          steadyCpu: steadyUsage,
          steadyEvents: backlog.events - steady.recorded,
          slices,
          feed,
          prefill,
          writes: prefill ? writes.map((table) => withoutPrefill(table, prefill)) : writes,
          cpuProfileDir: options.cpuProfileDir ?? null,
        };
      }
    }
  } finally {
    bar.stop();
    await Promise.all(services.map((service) => service.stop()));
    await offsets.end();
  }
}

/**
 * The records the service has durably recorded (its offsets in Postgres), null until its schema
 * exists; and the poller's backend, whose CPU is the bench's.
 */
async function recordedOffsets(
  pool: pg.Pool,
  topics: readonly string[],
): Promise<{ recorded: number; backendPid: number } | null> {
  try {
    const result = await pool.query<{ recorded: string; pid: number }>(
      'SELECT coalesce(sum(next_offset), 0)::text AS recorded, pg_backend_pid() AS pid FROM ingest_offsets WHERE topic = ANY($1::text[])',
      [topics],
    );
    return { recorded: Number(result.rows[0].recorded), backendPid: result.rows[0].pid };
  } catch {
    return null;
  }
}

/**
 * When the first slice's transaction began, in epoch milliseconds: the event store stamps each event
 * with its transaction's start (`recorded_at DEFAULT now()`), on the clock this machine shares. Events
 * at or before `afterPosition` were stored before the drain (the prefill).
 */
async function firstSliceStart(pool: pg.Pool, afterPosition: number): Promise<number> {
  const result = await pool.query<{ at: string }>(
    'SELECT (extract(epoch FROM min(recorded_at)) * 1000)::text AS at FROM events WHERE global_position > $1',
    [afterPosition],
  );
  return Number(result.rows[0].at);
}

/** Events a second over the drain, with the boot and without it. */
export function drainRates(result: DrainResult): { fromStart: number; fromFirstSlice: number } {
  return {
    fromStart: result.events / result.secondsFromStart,
    fromFirstSlice: result.events / result.secondsFromFirstSlice,
  };
}

/** The prefill's own inserts (events and charges, one each per prefilled event) taken out of the counts. */
function withoutPrefill(table: TableWrites, prefill: PrefillResult): TableWrites {
  if (table.table !== 'events' && table.table !== 'charges') return table;
  const inserted = table.inserted - prefill.events;
  return { ...table, inserted, btreeEntries: table.btreeIndexes * (inserted + table.updated - table.hotUpdated) };
}
