import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { benchMix, createInputTopic } from './backlog.js';
import { databaseUrl, topicPrefix, type BenchConfig } from './bench-config.js';
import { CpuMeter, type CpuUsage } from './cpu-usage.js';
import { Progress } from './progress.js';
import { sliceStats, type SliceStats } from './slice-metrics.js';
import { ServiceInstance, sleep } from './service-process.js';

const { Partitioners } = kafkajs;

export interface FreshnessResult {
  readonly offeredRate: number;
  /** Messages produced in all, and measured (the warm-up left out), and the rate the bench managed to offer them at. */
  readonly produced: number;
  readonly measured: number;
  readonly achievedOfferRate: number;
  /** Measured messages over the time from the first one produced to the last one visible. */
  readonly visibleRate: number;
  readonly keptUp: boolean;
  /** From the last message produced to the last one visible. */
  readonly tailSeconds: number;
  /** The bench's own lateness: how far behind its schedule it handed a measured record to the producer. */
  readonly handOverLateP99Ms: number;
  readonly handOverLateMaxMs: number;
  /** Milliseconds from when the message was due to visible; Infinity for one never seen before the bench gave up. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly unseen: number;
  readonly warmUpSeconds: number;
  readonly peakMiB: number;
  readonly cpu: CpuUsage;
  readonly slices: SliceStats | null;
  /** How often the poller actually asked: its own share of the figures. */
  readonly pollIntervalMeanMs: number;
  readonly pollIntervalMaxMs: number;
}

const SEND_EVERY_MS = 10;
/** Records a send at most: well under the broker's 1 MiB request limit with MMS bodies. */
const MOST_PER_SEND = 1_000;
const POLL_EVERY_MS = 10;
/** A position the poller skipped that no commit fills in this long was rolled back (sequence gaps are normal). */
const GAP_EXPIRY_MS = 5_000;

/** A record of the freshness traffic, on its topic; `messageId` names a message measured (a first occurrence). */
interface Offered {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly messageId: string | null;
}

/**
 * Due-to-visible latency at a steady offered rate: the bench offers the mix (messages and retail
 * purchases; its few API purchases are left out) on fresh topics to one running service, on a schedule
 * of `rate` records a second, and a poller on its own Postgres connection stamps each message when it
 * first becomes visible in the `charges` read model. A message's latency runs from when the schedule
 * made it due, not from when the bench got round to handing it over, so the bench's own stalls count
 * against the figure. Both stamps come from one monotonic clock in one process.
 */
export async function measureFreshness(
  kafka: kafkajs.Kafka,
  config: BenchConfig,
  rate: number,
): Promise<FreshnessResult> {
  const prefix = topicPrefix(config, `fresh${rate}`);
  const environment = {
    databaseUrl: databaseUrl(config, `fresh${rate}`),
    topicPrefix: prefix,
    groupId: `bench-${config.runId}-fresh${rate}`,
    brokers: config.brokers,
    apiKey: `bench-admin-key-${config.runId}`,
  };
  const topic = prefix + TOPICS.messageSent;
  const retail = prefix + TOPICS.boltOnPurchased;
  await createInputTopic(kafka, topic, retail);
  const service = await ServiceInstance.start(environment, 'fresh');
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const poller = new VisibilityPoller(environment.databaseUrl);
  try {
    await service.waitHealthy(60_000);
    await producer.connect();
    await poller.connect();
    const warmUpSeconds = Math.min(2, config.freshnessSeconds * 0.1);
    const total = Math.round(rate * (warmUpSeconds + config.freshnessSeconds));
    const warmUp = Math.round(rate * warmUpSeconds);
    const offered: Offered[] = [];
    for (const input of benchMix(config, total, `FRESH${rate}-${config.runId}`)) {
      if (input.kind === 'message') offered.push({ topic, ...input.record, messageId: input.messageId });
      else if (input.kind === 'purchase') offered.push({ topic: retail, ...input.record, messageId: null });
      if (offered.length === total) break;
    }
    const cpu = new CpuMeter(`ledger_bench_${config.runId}_`, {
      services: () => [service.pid],
      benchBackends: () => [poller.backendPid],
    });
    poller.start();
    const produced = await produceSteadily(producer, offered, rate, service);
    const measuredIds = offered.flatMap((record) => (record.messageId === null ? [] : [record.messageId]));
    const lastProducedAt = produced.handedAt[produced.handedAt.length - 1];
    const allVisible = await poller.waitFor(measuredIds, 30_000 + config.freshnessSeconds * 2_000, service);
    const usage = cpu.stop();
    const peakMiB = service.samplePeakMemory();
    const slices = await sliceStats([service.port]);
    const latencies: number[] = [];
    const late: number[] = [];
    let lastVisibleAt = 0;
    for (let index = warmUp; index < offered.length; index += 1) {
      const id = offered[index].messageId;
      if (id === null) continue;
      const visibleAt = poller.visibleAt.get(id);
      latencies.push(visibleAt === undefined ? Infinity : visibleAt - produced.dueAt[index]);
      late.push(produced.handedAt[index] - produced.dueAt[index]);
      if (visibleAt !== undefined) lastVisibleAt = Math.max(lastVisibleAt, visibleAt);
    }
    const byValue = (a: number, b: number): number => (a === b ? 0 : a < b ? -1 : 1);
    latencies.sort(byValue);
    late.sort(byValue);
    const measured = latencies.length;
    const firstMeasuredAt = produced.dueAt[warmUp] ?? lastProducedAt;
    const tailSeconds = allVisible ? (lastVisibleAt - lastProducedAt) / 1000 : Infinity;
    const achievedOfferRate = measured / Math.max((lastProducedAt - firstMeasuredAt) / 1000, 0.001);
    return {
      offeredRate: rate,
      produced: offered.length,
      measured,
      achievedOfferRate,
      visibleRate: measured / Math.max((lastVisibleAt - firstMeasuredAt) / 1000, 0.001),
      // Keeping up: the backlog at the end of the offer is gone within a second.
      keptUp: allVisible && tailSeconds <= 1,
      tailSeconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? 0,
      unseen: latencies.filter((latency) => latency === Infinity).length,
      handOverLateP99Ms: percentile(late, 0.99),
      handOverLateMaxMs: late[late.length - 1] ?? 0,
      warmUpSeconds,
      peakMiB,
      cpu: usage,
      slices,
      pollIntervalMeanMs: poller.intervals.mean,
      pollIntervalMaxMs: poller.intervals.max,
    };
  } finally {
    await poller.close();
    await producer.disconnect().catch(() => undefined);
    await service.stop();
  }
}

/**
 * Sends what is due every 10 ms so that the offered rate stays steady whatever each send costs. Record
 * `index` is due at `index / rate` seconds after the start: that is the stamp freshness is timed from.
 */
async function produceSteadily(
  producer: kafkajs.Producer,
  records: readonly Offered[],
  rate: number,
  service: ServiceInstance,
): Promise<{ dueAt: number[]; handedAt: number[] }> {
  const dueAt: number[] = [];
  const handedAt: number[] = [];
  const bar = new Progress(`offer ${rate}/s`, records.length, 'records');
  const started = performance.now();
  try {
    while (handedAt.length < records.length) {
      service.assertRunning();
      const due = Math.min(records.length, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      // At most a send's worth at a time: a bench that fell behind must not build a request the broker refuses.
      const slice = records.slice(handedAt.length, Math.min(due, handedAt.length + MOST_PER_SEND));
      if (slice.length > 0) {
        const at = performance.now();
        const byTopic = new Map<string, { key: string; value: string }[]>();
        for (const record of slice) {
          dueAt.push(started + (dueAt.length / rate) * 1000);
          handedAt.push(at);
          const batch = byTopic.get(record.topic) ?? [];
          batch.push({ key: record.key, value: record.value });
          byTopic.set(record.topic, batch);
        }
        await producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
        bar.update(handedAt.length);
      }
      // Behind the schedule, send the next at once; on it, wait for more to fall due.
      if (handedAt.length >= due) await sleep(SEND_EVERY_MS);
    }
  } finally {
    bar.stop();
  }
  return { dueAt, handedAt };
}

/**
 * Polls the read model every 10 ms on a dedicated connection. Rows commit out of position order
 * (six partitions write at once), so reading `> the highest position seen` alone would skip a row
 * whose transaction took its position early and committed late: the poller also re-asks for the
 * positions it jumped over until they appear or expire. It walks `events` by its primary key and
 * looks up each new event's `charges` row by its key (the read model, written in the same
 * transaction): `charges` has no index on global_position, and scanning it every 10 ms would load
 * the machine the service runs on.
 */
class VisibilityPoller {
  readonly visibleAt = new Map<string, number>();
  /** The poller's Postgres backend: its CPU is the bench's, not the service's. */
  backendPid = 0;
  private polls = 0;
  private firstAskedAt = 0;
  private lastAskedAt = 0;
  private longestInterval = 0;
  private readonly client: pg.Client;
  private highest = 0;
  private readonly gaps = new Map<number, number>();
  private running = false;
  private failure: Error | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(connectionString: string) {
    this.client = new pg.Client({ connectionString, application_name: 'bench-freshness-poller' });
  }

  async connect(): Promise<void> {
    await this.client.connect();
    await this.client.query('SET plan_cache_mode = force_custom_plan');
    // Planned from stale statistics the poll looks costly enough to compile: 50 ms of JIT for 0.4 ms of work.
    await this.client.query('SET jit = off');
    // By the positions' index, on this backend alone: from statistics that trail the events, Postgres
    // chose a parallel sequential scan of every event for each poll (every 10 ms), and its workers
    // took cores from the service under test.
    await this.client.query('SET enable_seqscan = off');
    await this.client.query('SET max_parallel_workers_per_gather = 0');
    this.backendPid = (await this.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  }

  start(): void {
    this.running = true;
    this.loop = this.poll().catch((error: Error) => {
      this.failure = error;
    });
  }

  /** Waits until every id is visible, or the time is up; tells which. */
  async waitFor(ids: readonly string[], timeoutMs: number, service: ServiceInstance): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const bar = new Progress('visible in charges', ids.length, 'messages');
    try {
      for (;;) {
        service.assertRunning();
        if (this.failure) throw this.failure;
        // Every charge in this database is one of the bench's messages.
        const seen = this.visibleAt.size;
        bar.update(seen);
        if (seen === ids.length) return true;
        if (performance.now() > deadline) return false;
        await sleep(100);
      }
    } finally {
      bar.stop();
    }
  }

  /** Milliseconds between the starts of two polls. */
  get intervals(): { mean: number; max: number } {
    return {
      mean: this.polls > 1 ? (this.lastAskedAt - this.firstAskedAt) / (this.polls - 1) : 0,
      max: this.longestInterval,
    };
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop.catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      // The snapshot is taken as the query starts: a row it sees was committed by then.
      const askedAt = performance.now();
      if (this.polls > 0) this.longestInterval = Math.max(this.longestInterval, askedAt - this.lastAskedAt);
      else this.firstAskedAt = askedAt;
      this.polls += 1;
      this.lastAskedAt = askedAt;
      // Unnamed, so that each poll is planned for its own positions: a generic plan hash-joins the whole of charges.
      // Every event, not only messages': a purchase's position seen is not a gap to re-ask for five
      // seconds. The charge is looked up per event (a subquery on its primary key): as a join, planned
      // from the statistics of a table that grew since, it hash-joined the whole of charges each poll.
      const result = await this.client.query<{ position: string; message_id: string | null }>({
        text: `SELECT e.global_position::text AS position,
                      CASE WHEN e.idempotency_key LIKE 'message:%'
                           THEN (SELECT c.message_id FROM charges c WHERE c.message_id = substr(e.idempotency_key, 9))
                      END AS message_id
               FROM events e
               WHERE e.global_position > $1 OR e.global_position = ANY($2::bigint[])
               ORDER BY e.global_position`,
        values: [this.highest, [...this.gaps.keys()]],
      });
      for (const row of result.rows) {
        const position = Number(row.position);
        if (row.message_id !== null && !this.visibleAt.has(row.message_id)) this.visibleAt.set(row.message_id, askedAt);
        if (position > this.highest) {
          for (let skipped = this.highest + 1; skipped < position; skipped += 1) this.gaps.set(skipped, askedAt);
          this.highest = position;
        }
        this.gaps.delete(position);
      }
      for (const [position, since] of this.gaps) if (askedAt - since > GAP_EXPIRY_MS) this.gaps.delete(position);
      await sleep(Math.max(0, POLL_EVERY_MS - (performance.now() - askedAt)));
    }
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], quantile: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)];
}
