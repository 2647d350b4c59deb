import { randomBytes } from 'node:crypto';
import type kafkajs from 'kafkajs';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import type { Pool, PoolClient } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import {
  createReliableProducer,
  KAFKA,
  Partitioners,
  TOPIC_NAMES,
  type Kafka,
  type Producer,
  type TopicNames,
} from '@ledger/app/platform/kafka/kafka.js';
import { TopicsReady } from '@ledger/app/platform/kafka/topics-ready.js';
import { OutboxRepository } from './read-model/outbox.repository.js';

/** One relay per database publishes, chosen by this Postgres advisory lock. */
const RELAY_LOCK = 74_000_001;
const BATCH = 2000;
const OUTBOX_ID_HEADER = 'ledger-outbox-id';

/** Per partition, the highest outbox id Kafka holds, and the feed's partitions. */
interface Published {
  partitionMetadata: kafkajs.PartitionMetadata[];
  highest: Map<number, bigint>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes the outbox to ledger.message-rated.v1, in order per subscriber (key = msisdn). Each
 * record carries its outbox id; on taking over, the relay reads the last record of every partition
 * to learn what Kafka already has, so a crash between publishing and deleting repeats nothing.
 */
@Injectable()
export class RatedMessageRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RatedMessageRelay.name);
  private readonly producer: Producer;
  private readonly partitionFor = Partitioners.DefaultPartitioner();
  private running = false;
  private loop: Promise<void> | null = null;
  private lockClient: PoolClient | null = null;
  /** Null until read after taking over. */
  private published: Published | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly outbox: OutboxRepository,
    private readonly topicsReady: TopicsReady,
  ) {
    this.producer = createReliableProducer(kafka);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    this.lockClient?.release(true);
    await this.producer.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    await this.topicsReady.ready;
    await this.producer.connect().catch((error: Error) => this.logger.warn(`relay producer: ${error.message}`));
    while (this.running) {
      try {
        if (!(await this.leading())) {
          await sleep(2_000);
          continue;
        }
        const relayed = await this.relayOnce();
        if (relayed === 0) await sleep(200);
      } catch (error) {
        this.logger.warn(`rated-message relay: ${(error as Error).message}; retrying`);
        this.published = null;
        await sleep(1_000);
      }
    }
  }

  /** Holds the relay lock on a connection of its own; losing the connection loses the lead. */
  private async leading(): Promise<boolean> {
    if (this.lockClient) {
      try {
        await this.lockClient.query('SELECT 1');
        return true;
      } catch {
        this.lockClient.release(true);
        this.lockClient = null;
        this.published = null;
      }
    }
    const client = await this.pool.connect();
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK]);
    if (!result.rows[0].locked) {
      client.release();
      return false;
    }
    client.on('error', () => undefined);
    this.lockClient = client;
    this.published = null;
    return true;
  }

  private async relayOnce(): Promise<number> {
    const topic = this.topics.messageRated;
    this.published ??= await this.readPublished(topic);
    const { partitionMetadata, highest } = this.published;
    const rows = await this.withClient((client) => this.outbox.next(client, BATCH));
    if (rows.length === 0) return 0;
    const placed = rows.map((row) => ({
      row,
      partition: this.partitionFor({ topic, partitionMetadata, message: { key: row.messageKey, value: null } }),
    }));
    const fresh = placed.filter(({ row, partition }) => row.id > (highest.get(partition) ?? 0n));
    if (fresh.length > 0) {
      await this.producer.send({
        topic,
        acks: -1,
        messages: fresh.map(({ row, partition }) => ({
          partition,
          key: row.messageKey,
          value: row.payload,
          headers: { [OUTBOX_ID_HEADER]: row.id.toString() },
        })),
      });
      for (const { row, partition } of fresh) highest.set(partition, row.id);
    }
    await this.withClient((client) =>
      this.outbox.remove(
        client,
        rows.map(({ id }) => id),
      ),
    );
    return rows.length;
  }

  /** Reads the last record of every partition of the feed for the outbox id it carries. */
  private async readPublished(topic: string): Promise<Published> {
    const admin = this.kafka.admin();
    await admin.connect();
    let offsets: { partition: number; high: string; low: string }[];
    try {
      offsets = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    const highest = new Map<number, bigint>();
    const tails = offsets.filter(({ high, low }) => BigInt(high) > BigInt(low));
    if (tails.length > 0) await this.readTails(topic, tails, highest);
    // What the partitioner needs to place a key: only the partitions' ids count.
    const partitionMetadata = offsets.map(({ partition }) => ({
      partitionId: partition,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    return { partitionMetadata, highest };
  }

  private async readTails(
    topic: string,
    tails: { partition: number; high: string }[],
    highest: Map<number, bigint>,
  ): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `${this.config.kafka.groupId}.relay-tail.${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      const lastOffset = new Map(tails.map(({ partition, high }) => [partition, BigInt(high) - 1n]));
      const seen = new Set<number>();
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.run({
        autoCommit: false,
        eachBatch: ({ batch }) => {
          for (const message of batch.messages) {
            if (BigInt(message.offset) !== lastOffset.get(batch.partition)) continue;
            const header = message.headers?.[OUTBOX_ID_HEADER];
            if (header !== undefined) highest.set(batch.partition, BigInt(String(header)));
            seen.add(batch.partition);
          }
          if (seen.size === lastOffset.size) finish();
          return Promise.resolve();
        },
      });
      for (const [partition, offset] of lastOffset) consumer.seek({ topic, partition, offset: offset.toString() });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`could not read the tail of ${topic} within 30 s`)), 30_000);
      });
      await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
    }
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }
}
