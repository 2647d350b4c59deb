import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { isConnectionLoss, type Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { CommandBus } from '@nestjs/cqrs';
import { RecordSliceCommand } from '../application/record-slice.command.js';
import { IngestOffsetsRepository } from './ingest-offsets.repository.js';
import { topicReplication } from '@ledger/app/platform/kafka/topic-replication.js';
import { OffsetGapsRepository, type OffsetGap, type OffsetGapKind } from './offset-gaps.repository.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';
import {
  explainKafkaConnectError,
  KAFKA,
  TOPIC_NAMES,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type TopicNames,
} from '@ledger/app/platform/kafka/kafka.js';
import { whileTopicsPropagate } from '@ledger/app/platform/kafka/topic-propagation.js';
import { TopicsReady } from '@ledger/app/platform/kafka/topics-ready.js';

/** Records per transaction: large enough to amortise the commit, small enough to heartbeat often. */
const SLICE = 2000;

export interface PartitionPosition {
  topic: string;
  partition: number;
  nextOffset: string;
  highWatermark: string;
  /** highWatermark - nextOffset: negative when the partition's offsets went back behind what was recorded. */
  lag: string;
  /** The open offset gap that holds this partition until acknowledged, or null. */
  gap: OffsetGap | null;
}

/** Why the last slice of a partition failed, while it has not succeeded since. */
export interface SliceFailure {
  readonly message: string;
  readonly at: Date;
}

const partitionKey = (topic: string, partition: number): string => `${topic}[${partition}]`;

/**
 * Consumes the input topics with kafkajs `eachBatch`. Postgres holds the authoritative offsets;
 * Kafka's committed offsets trail them and serve only as a hint and for outside tools.
 */
@Injectable()
export class LedgerConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerConsumer.name);
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private joined = false;
  private crashed: Error | null = null;
  /** The next offset each partition is expected to start at: what this instance last recorded or read. */
  private readonly expected = new Map<string, bigint>();
  /** Partitions held at an open offset gap, by `topic[partition]`. */
  private readonly heldAtGap = new Map<string, { topic: string; partition: number }>();
  private readonly failures = new Map<string, SliceFailure>();

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly offsets: IngestOffsetsRepository,
    private readonly commands: CommandBus,
    private readonly topicsReady: TopicsReady,
    private readonly gaps: OffsetGapsRepository,
    private readonly metrics: LedgerMetrics,
  ) {
    this.consumer = kafka.consumer({
      groupId: config.kafka.groupId,
      // A killed instance's partitions move to the others after this long.
      sessionTimeout: 10_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1024 * 1024,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.admin = kafka.admin();
  }

  get consuming(): boolean {
    return this.joined && this.crashed === null;
  }

  /** Why the consumer stopped for good, when it has. */
  get crashReason(): string | null {
    return this.crashed?.message ?? null;
  }

  /** The last failure of each partition whose slice keeps failing, by `topic[partition]`. */
  failureOf(topic: string, partition: number): SliceFailure | null {
    return this.failures.get(partitionKey(topic, partition)) ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    // A refused password or certificate stops the start here, with what to check, instead of retrying for ever.
    try {
      await this.admin.connect();
      await this.ensureTopics();
    } catch (error) {
      throw explainKafkaConnectError(error, this.config.kafka.client);
    }
    this.topicsReady.markReady();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.logger.log({
        msg: 'joined the consumer group',
        group: payload.groupId,
        assignment: payload.memberAssignment,
      });
      void this.seekToRecorded(payload.memberAssignment);
    });
    // kafkajs resolves a batch of only markers or aborted records itself, without calling eachBatch.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0)
        void this.passNonData(payload.topic, payload.partition, payload.firstOffset, payload.lastOffset);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error(`consumer crashed: ${payload.error.message}; restart: ${payload.restart}`);
      if (!payload.restart) this.crashed = payload.error;
    });
    await this.consumer.connect();
    await whileTopicsPropagate(
      () => this.consumer.subscribe({ topics: this.topics.inputs, fromBeginning: true }),
      (error) => this.logger.warn(`subscribing: ${error.message}; the topics are still reaching every broker`),
    );
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 5_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.kafka.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.logger.log(`consuming ${this.topics.inputs.join(', ')} as group ${this.config.kafka.groupId}`);
  }

  async onApplicationShutdown(): Promise<void> {
    // Leaves the group after the batch in flight commits or is abandoned; Postgres decides what counted.
    await this.consumer.disconnect().catch((error: Error) => this.logger.warn(`consumer disconnect: ${error.message}`));
    await this.admin.disconnect().catch(() => undefined);
  }

  /**
   * Where consumption stands for every partition of the input topics, read on the given pool: the
   * API's (API_PG_POOL) for GET /v1/ingest, the ingest pool for health and the partition watch.
   */
  async positions(pool: Pool = this.pool): Promise<PartitionPosition[]> {
    const recorded = new Map(
      (await this.offsets.all(pool)).map((row) => [`${row.topic}:${row.partition}`, row.nextOffset]),
    );
    const gaps = new Map((await this.gaps.openGaps(pool)).map((gap) => [partitionKey(gap.topic, gap.partition), gap]));
    const positions: PartitionPosition[] = [];
    for (const topic of this.topics.inputs) {
      for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) {
        const nextOffset = recorded.get(`${topic}:${partition}`) ?? 0n;
        const highWatermark = BigInt(high);
        positions.push({
          topic,
          partition,
          nextOffset: nextOffset.toString(),
          highWatermark: highWatermark.toString(),
          lag: (highWatermark - nextOffset).toString(),
          gap: gaps.get(partitionKey(topic, partition)) ?? null,
        });
      }
    }
    return positions;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = partitionKey(batch.topic, batch.partition);
    if (this.heldAtGap.has(key) || (await this.heldByGap(batch))) return;
    for (let start = 0; start < batch.messages.length; start += SLICE) {
      if (!payload.isRunning() || payload.isStale()) return;
      const slice = batch.messages.slice(start, start + SLICE);
      try {
        await this.recordSlice(payload, slice);
      } catch (error) {
        // kafkajs retries the batch; /health names the partition and this reason while it does.
        this.failures.set(key, { message: (error as Error).message, at: new Date() });
        throw error;
      }
      this.failures.delete(key);
      const last = slice[slice.length - 1].offset;
      this.expected.set(key, BigInt(last) + 1n);
      payload.resolveOffset(last);
      await payload.heartbeat();
    }
    const lastData = batch.messages[batch.messages.length - 1]?.offset;
    // A batch that ends in a transaction marker: recorded past it, or its lag would never reach 0.
    if (lastData !== undefined && BigInt(batch.lastOffset()) > BigInt(lastData) && payload.isRunning()) {
      await this.passNonData(batch.topic, batch.partition, String(BigInt(lastData) + 1n), batch.lastOffset());
      payload.resolveOffset(batch.lastOffset());
    }
  }

  private async passNonData(topic: string, partition: number, first: string | null, last: string): Promise<void> {
    const key = partitionKey(topic, partition);
    if (first === null || this.heldAtGap.has(key)) return;
    try {
      await this.offsets.passNonData(this.pool, topic, partition, BigInt(first), BigInt(last));
      if ((this.expected.get(key) ?? -1n) >= BigInt(first)) this.expected.set(key, BigInt(last) + 1n);
    } catch (error) {
      // Harmless to miss: the next recorded slice moves the offset past these records anyway.
      this.logger.debug(`${key}: could not pass offsets ${first}..${last}: ${(error as Error).message}`);
    }
  }

  /**
   * Kafka handing out records past what was recorded, or a high watermark below it, may be a gap:
   * confirmed against the partition's log start and end (transaction markers also skip offsets),
   * it is recorded, counted, logged, and the partition held until an operator acknowledges it.
   */
  private async heldByGap(batch: EachBatchPayload['batch']): Promise<boolean> {
    const key = partitionKey(batch.topic, batch.partition);
    const first = batch.firstOffset();
    let expected = this.expected.get(key);
    if (expected === undefined) {
      expected = await this.offsets.read(this.pool, batch.topic, batch.partition);
      this.expected.set(key, expected);
    }
    const suspicious = (first !== null && BigInt(first) > expected) || BigInt(batch.highWatermark) < expected;
    if (!suspicious) return false;
    const recorded = await this.offsets.read(this.pool, batch.topic, batch.partition);
    this.expected.set(key, recorded);
    const log = (await this.admin.fetchTopicOffsets(batch.topic)).find(
      ({ partition }) => partition === batch.partition,
    );
    if (!log) return false;
    const [low, high] = [BigInt(log.low), BigInt(log.high)];
    const kind: OffsetGapKind | null = high < recorded ? 'OFFSETS_REWOUND' : low > recorded ? 'RECORDS_DELETED' : null;
    if (kind === null) {
      // The log holds the offsets skipped: transaction markers or aborted records, not a gap; not asked again.
      if (first !== null && BigInt(first) > recorded) this.expected.set(key, BigInt(first));
      return false;
    }
    const gap = { topic: batch.topic, partition: batch.partition, kind, expectedOffset: recorded, foundOffset: low };
    if (await this.gaps.open(this.pool, gap)) {
      this.metrics.offsetGapDetected(batch.topic, batch.partition);
      this.logger.error(
        `${key}: offset gap (${kind}): recorded up to ${recorded}, but the partition now holds ${low} to ${high}; ` +
          `held until acknowledged (npm run ledger -- ack-offset-gap ${batch.topic} ${batch.partition})`,
      );
    }
    this.hold(batch.topic, batch.partition);
    return true;
  }

  private hold(topic: string, partition: number): void {
    this.heldAtGap.set(partitionKey(topic, partition), { topic, partition });
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  /** Lets go of each held partition whose gap an operator acknowledged, from the offset now recorded. */
  async releaseAcknowledgedGaps(): Promise<void> {
    if (this.heldAtGap.size === 0) return;
    const open = new Set((await this.gaps.openGaps(this.pool)).map((gap) => partitionKey(gap.topic, gap.partition)));
    for (const [key, { topic, partition }] of this.heldAtGap) {
      if (open.has(key)) continue;
      const next = await this.offsets.read(this.pool, topic, partition);
      this.expected.set(key, next);
      this.heldAtGap.delete(key);
      this.consumer.seek({ topic, partition, offset: next.toString() });
      this.consumer.resume([{ topic, partitions: [partition] }]);
      this.logger.log(`${key}: offset gap acknowledged; consuming again from ${next}`);
    }
  }

  /** A lost Postgres connection retries the slice on a new one, heartbeating meanwhile: the offset lock makes it idempotent. */
  private async recordSlice(payload: EachBatchPayload, slice: EachBatchPayload['batch']['messages']): Promise<void> {
    const { topic, partition } = payload.batch;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.commands.execute(new RecordSliceCommand(topic, partition, slice));
        return;
      } catch (error) {
        if (!isConnectionLoss(error) || !payload.isRunning() || payload.isStale()) throw error;
        this.logger.warn(`${topic}[${partition}]: Postgres connection lost (${(error as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 1_000)));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = this.topics.all.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    const { brokers } = await this.admin.describeCluster();
    const { replicationFactor, minInsyncReplicas } = topicReplication(brokers.length, this.config.kafka);
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: this.config.kafka.topicPartitions,
        replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
      })),
    });
    this.logger.log(
      `created the missing topics ${missing.join(', ')} (KAFKA_TOPIC_PREFIX "${this.config.kafka.topicPrefix}") ` +
        `with ${this.config.kafka.topicPartitions} partitions, replication ${replicationFactor} and ` +
        `min.insync.replicas ${minInsyncReplicas}`,
    );
  }

  /** After a rebalance, starts each assigned partition where Postgres says it stands. */
  private async seekToRecorded(assignment: Record<string, number[]>): Promise<void> {
    try {
      this.expected.clear();
      // The assignment may have changed: hold again only what an open gap holds now.
      for (const { topic, partition } of this.heldAtGap.values())
        this.consumer.resume([{ topic, partitions: [partition] }]);
      this.heldAtGap.clear();
      const open = new Set((await this.gaps.openGaps(this.pool)).map((gap) => partitionKey(gap.topic, gap.partition)));
      for (const [topic, partitions] of Object.entries(assignment)) {
        for (const partition of partitions) {
          const next = await this.offsets.read(this.pool, topic, partition);
          this.expected.set(partitionKey(topic, partition), next);
          // A gap found before (by this instance or another) still holds its partition.
          if (open.has(partitionKey(topic, partition))) this.hold(topic, partition);
          if (next > 0n) this.consumer.seek({ topic, partition, offset: next.toString() });
        }
      }
    } catch (error) {
      // Without the seek the consumer resumes from Kafka's committed offset, which never runs ahead of Postgres.
      this.logger.warn(`could not seek to recorded offsets: ${(error as Error).message}`);
    }
  }
}
