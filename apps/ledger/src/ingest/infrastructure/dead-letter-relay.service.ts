import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { AdvisoryLockHolder } from '@ledger/app/platform/database/advisory-lock-holder.js';
import { ADVISORY_LOCKS } from '@ledger/app/platform/database/advisory-locks.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import {
  createKafka,
  createReliableProducer,
  TOPIC_NAMES,
  type Kafka,
  type Producer,
  type TopicNames,
} from '@ledger/app/platform/kafka/kafka.js';
import { keyPartitioner, type KeyPartitioner } from '@ledger/app/platform/kafka/key-partitioner.js';
import { TopicsReady } from '@ledger/app/platform/kafka/topics-ready.js';
import { deadLetterTopic } from '@ledger/contracts';
import { parseKafkaBrokers } from '@ledger/kafka-client';
import type kafkajs from 'kafkajs';
import { DeadLettersRepository, type WaitingDeadLetter } from './dead-letters.repository.js';

/**
 * One send stays well under the broker's default message.max.bytes (1 MiB), whichever partitions
 * it spans: a batch of one partition is never larger than the whole send.
 */
export const SEND_BUDGET_BYTES = 768 * 1024;
/** A value longer than this goes out cut, with a header giving its length; the rejection keeps it whole. */
export const VALUE_CAP_BYTES = 512 * 1024;
const KEY_CAP_BYTES = 16 * 1024;
const MAX_LETTERS_PER_SEND = 2000;
const LETTER_ID_HEADER = 'ledger-dead-letter-id';
/** How long shutdown waits for a send in flight to a broker that may not answer. */
const SHUTDOWN_WAIT_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Per dead-letter topic: its partitions, and the highest letter id each partition already holds. */
interface Published {
  partitions: Map<string, KeyPartitioner>;
  highest: Map<string, bigint>;
}

export interface DeadLetterRelayState {
  readonly leading: boolean;
  readonly lastError: string | null;
  readonly brokers: readonly string[];
}

/**
 * Publishes the dead letters ingest wrote to Postgres to `<topic>.dlq`, oldest first, in sends
 * sized by bytes, deleting them once Kafka has them. Each record carries its letter id; on taking
 * over, the relay reads the last record of every partition, so a crash between publishing and
 * deleting repeats nothing. Ingest never waits for it.
 */
@Injectable()
export class DeadLetterRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeadLetterRelay.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private running = false;
  private loop: Promise<void> | null = null;
  /** One relay per database publishes dead letters, chosen by a Postgres advisory lock. */
  private readonly lock: AdvisoryLockHolder;
  private published: Published | null = null;
  private lastError: string | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly deadLetters: DeadLettersRepository,
    private readonly topicsReady: TopicsReady,
  ) {
    // A client of its own: dead letters may go to another cluster (DEAD_LETTER_KAFKA_BROKERS).
    // Same TLS and SASL settings as the main cluster: DEAD_LETTER_KAFKA_BROKERS changes the addresses only.
    const client = {
      ...config.kafka.client,
      brokers: parseKafkaBrokers(config.kafka.deadLetterBrokers.join(','), 'DEAD_LETTER_KAFKA_BROKERS'),
    };
    this.kafka = createKafka({
      ...config,
      kafka: { ...config.kafka, brokers: config.kafka.deadLetterBrokers, client },
    });
    this.producer = createReliableProducer(this.kafka);
    this.lock = new AdvisoryLockHolder(pool, ADVISORY_LOCKS.deadLetterRelay);
  }

  get state(): DeadLetterRelayState {
    return {
      leading: this.lock.held,
      lastError: this.lastError,
      brokers: this.config.kafka.deadLetterBrokers,
    };
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await Promise.race([this.loop, sleep(SHUTDOWN_WAIT_MS)]);
    this.lock.release();
    await this.producer.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    await this.topicsReady.ready;
    while (this.running) {
      try {
        const hold = await this.lock.hold();
        // What another relay published while this one did not hold the lock is read again.
        if (hold !== 'kept') this.published = null;
        if (hold === 'not-held') {
          await sleep(2_000);
          continue;
        }
        const relayed = await this.relayOnce();
        this.lastError = null;
        if (relayed === 0) await sleep(200);
      } catch (error) {
        this.lastError = (error as Error).message;
        this.logger.warn(`dead-letter relay: ${this.lastError}; retrying`);
        this.published = null;
        await sleep(1_000);
      }
    }
  }

  private async relayOnce(): Promise<number> {
    const letters = await this.deadLetters.next(this.pool, SEND_BUDGET_BYTES, VALUE_CAP_BYTES, MAX_LETTERS_PER_SEND);
    if (letters.length === 0) return 0;
    await this.producer.connect();
    this.published ??= await this.readPublished();
    const { partitions, highest } = this.published;
    const messages = new Map<string, kafkajs.Message[]>();
    for (const letter of letters) {
      const partition = placeOf(letter, partitions.get(letter.topic));
      if (letter.id <= (highest.get(`${letter.topic}:${partition}`) ?? 0n)) continue;
      const list = messages.get(letter.topic) ?? [];
      list.push(toMessage(letter, partition));
      messages.set(letter.topic, list);
      highest.set(`${letter.topic}:${partition}`, letter.id);
    }
    if (messages.size > 0) {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...messages].map(([topic, list]) => ({ topic, messages: list })),
      });
    }
    await this.deadLetters.remove(
      this.pool,
      letters.map(({ id }) => id),
    );
    return letters.length;
  }

  /** Reads the last record of every partition of every dead-letter topic for the letter id it carries. */
  private async readPublished(): Promise<Published> {
    const admin = this.kafka.admin();
    await admin.connect();
    const partitions = new Map<string, KeyPartitioner>();
    const highest = new Map<string, bigint>();
    try {
      for (const topic of this.topics.inputs.map(deadLetterTopic)) {
        const offsets = await admin.fetchTopicOffsets(topic);
        partitions.set(topic, keyPartitioner(topic, offsets));
        const tails = offsets.filter(({ high, low }) => BigInt(high) > BigInt(low));
        if (tails.length > 0) await this.readTails(topic, tails, highest);
      }
    } finally {
      await admin.disconnect();
    }
    return { partitions, highest };
  }

  private async readTails(
    topic: string,
    tails: { partition: number; high: string }[],
    highest: Map<string, bigint>,
  ): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `${this.config.kafka.groupId}.dead-letter-tail.${randomBytes(4).toString('hex')}`,
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
            const header = message.headers?.[LETTER_ID_HEADER];
            if (header !== undefined) highest.set(`${topic}:${batch.partition}`, BigInt(String(header)));
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
}

/** The partition a letter goes to: by key as any producer would, and by id when it has no key. */
function placeOf(letter: WaitingDeadLetter, partitioner: KeyPartitioner | undefined): number {
  if (!partitioner?.partitions) throw new Error(`${letter.topic} has no partitions known to the relay`);
  if (letter.key === null) return Number(letter.id % BigInt(partitioner.partitions));
  return partitioner.partitionFor(letter.key);
}

/** The record of a letter: its key and bytes (cut when too large, saying so), its headers and its id. */
function toMessage(letter: WaitingDeadLetter, partition: number): kafkajs.Message {
  const headers: Record<string, string> = { ...letter.headers, [LETTER_ID_HEADER]: letter.id.toString() };
  if (letter.valueBytes > letter.value.length) headers['ledger-payload-truncated'] = String(letter.valueBytes);
  let key = letter.key;
  if (key !== null && key.length > KEY_CAP_BYTES) {
    headers['ledger-key-truncated'] = String(key.length);
    key = key.subarray(0, KEY_CAP_BYTES);
  }
  return { partition, key, value: letter.value, headers };
}
