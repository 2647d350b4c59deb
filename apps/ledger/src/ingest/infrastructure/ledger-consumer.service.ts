import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { CommandBus } from '@nestjs/cqrs';
import { RecordSliceCommand } from '../application/record-slice.command.js';
import { IngestOffsetsRepository } from './ingest-offsets.repository.js';
import {
  KAFKA,
  TOPIC_NAMES,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type TopicNames,
} from '@ledger/app/platform/kafka/kafka.js';
import { TopicsReady } from '@ledger/app/platform/kafka/topics-ready.js';

/** Records per transaction: large enough to amortise the commit, small enough to heartbeat often. */
const SLICE = 2000;

export interface PartitionPosition {
  topic: string;
  partition: number;
  nextOffset: string;
  highWatermark: string;
  lag: string;
}

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

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly offsets: IngestOffsetsRepository,
    private readonly commands: CommandBus,
    private readonly topicsReady: TopicsReady,
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

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.connect();
    await this.ensureTopics();
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
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error(`consumer crashed: ${payload.error.message}; restart: ${payload.restart}`);
      if (!payload.restart) this.crashed = payload.error;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics.inputs, fromBeginning: true });
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

  /** Where consumption stands for every partition of the input topics. */
  async positions(): Promise<PartitionPosition[]> {
    const recorded = new Map(
      (await this.offsets.all(this.pool)).map((row) => [`${row.topic}:${row.partition}`, row.nextOffset]),
    );
    const positions: PartitionPosition[] = [];
    for (const topic of this.topics.inputs) {
      for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) {
        const nextOffset = recorded.get(`${topic}:${partition}`) ?? 0n;
        const highWatermark = BigInt(high);
        const lag = highWatermark > nextOffset ? highWatermark - nextOffset : 0n;
        positions.push({
          topic,
          partition,
          nextOffset: nextOffset.toString(),
          highWatermark: highWatermark.toString(),
          lag: lag.toString(),
        });
      }
    }
    return positions;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    for (let start = 0; start < batch.messages.length; start += SLICE) {
      if (!payload.isRunning() || payload.isStale()) return;
      const slice = batch.messages.slice(start, start + SLICE);
      await this.commands.execute(new RecordSliceCommand(batch.topic, batch.partition, slice));
      payload.resolveOffset(slice[slice.length - 1].offset);
      await payload.heartbeat();
    }
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = this.topics.all.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: this.config.kafka.topicPartitions,
        replicationFactor: -1,
      })),
    });
    this.logger.log(`created topics ${missing.join(', ')}`);
  }

  /** After a rebalance, starts each assigned partition where Postgres says it stands. */
  private async seekToRecorded(assignment: Record<string, number[]>): Promise<void> {
    try {
      for (const [topic, partitions] of Object.entries(assignment)) {
        for (const partition of partitions) {
          const next = await this.offsets.read(this.pool, topic, partition);
          if (next > 0n) this.consumer.seek({ topic, partition, offset: next.toString() });
        }
      }
    } catch (error) {
      // Without the seek the consumer resumes from Kafka's committed offset, which never runs ahead of Postgres.
      this.logger.warn(`could not seek to recorded offsets: ${(error as Error).message}`);
    }
  }
}
