import kafkajs from 'kafkajs';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AdvisoryLockHolder } from '@ledger/app/platform/database/advisory-lock-holder.js';
import { ADVISORY_LOCKS } from '@ledger/app/platform/database/advisory-locks.js';
import { inPlannedTransaction, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import {
  KAFKA,
  Partitioners,
  TOPIC_NAMES,
  type Kafka,
  type Producer,
  type TopicNames,
} from '@ledger/app/platform/kafka/kafka.js';
import { assertAnswered } from '@ledger/app/platform/kafka/answered-send.js';
import { TopicsReady } from '@ledger/app/platform/kafka/topics-ready.js';
import { FEED_HEADERS, sizedSends } from './feed-records.js';
import { feedRecords, readFeedTopic, type FeedTopic } from './feed-topic.js';
import { RatedFeedMetrics } from './rated-feed.metrics.js';
import { RatedFeedRepository, type FeedCheckpoint, type FeedRow } from './read-model/rated-feed.repository.js';

/**
 * Events a read of the event store, and so a send. Each costs a round trip to Postgres and one to
 * the brokers whatever its size: at 2,000 the relay published about 5,000 a second with a drain
 * running and fell behind it (docs/PERFORMANCE.md).
 */
const BATCH = 5000;

/**
 * Events a Kafka transaction carries at most, in sends of BATCH, while the reads come back full. A
 * transaction costs its fixed round trips (partitions and offsets added, offsets committed, the
 * commit markers, the checkpoint in Postgres) whatever its size: at one read a transaction the
 * relay published about 8,400 a second beside a drain of 11,800 and fell behind it.
 */
const TRANSACTION_EVENTS = 20_000;

/** The transactional id of the feed's relay, and the group under which it commits its position. */
export const relayTransactionalId = (feedTopic: string): string => `message-ledger.rated-feed.${feedTopic}`;

/** What the relay holds while it leads: its fenced producer, where the feed stands, how to size sends. */
interface Lead {
  producer: Producer;
  checkpoint: FeedCheckpoint;
  feedId: string;
  topic: FeedTopic;
  /**
   * The batch after the checkpoint, read while the previous batch's Kafka transaction committed; a
   * lead that is dropped (an error, a lost lock) drops it too, and its successor reads afresh.
   */
  ahead: ReadAhead | null;
}

/** A read of the event store started early: what it found, from which checkpoint. */
interface ReadAhead {
  from: FeedCheckpoint;
  rows: Promise<FeedRow[]>;
}

/** The position Kafka committed with the last transaction, in the metadata of the relay group's offset. */
interface CommittedPosition {
  feedId: string;
  transactionId: string;
  globalPosition: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes the rated messages of the event store to ledger.message-rated.v1, exactly once, in
 * order per subscriber (key = msisdn), each with its feed position (1, 2, 3…). Each batch is one
 * Kafka transaction under the feed's transactional id, which also commits the position reached (as
 * the offset of the relay's group, with the event store coordinates in its metadata): a relay that
 * dies between publishing and recording repeats nothing, and a relay that takes over fences any
 * other (the broker refuses the older producer) before it reads where the feed stands.
 */
@Injectable()
export class RatedFeedRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RatedFeedRelay.name);
  private running = false;
  private loop: Promise<void> | null = null;
  /** One relay per database publishes, chosen by a Postgres advisory lock. */
  private readonly lock: AdvisoryLockHolder;
  private lead: Lead | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    private readonly feed: RatedFeedRepository,
    private readonly metrics: RatedFeedMetrics,
    private readonly topicsReady: TopicsReady,
  ) {
    this.lock = new AdvisoryLockHolder(pool, ADVISORY_LOCKS.ratedFeedRelay);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.stepDown();
    this.lock.release();
  }

  private get topic(): string {
    return this.topics.messageRated;
  }

  private async run(): Promise<void> {
    await this.topicsReady.ready;
    while (this.running) {
      try {
        const hold = await this.lock.hold();
        // A lead from before a lost lock is stale: another relay may have published since.
        if (hold !== 'kept') await this.stepDown();
        if (hold === 'not-held') {
          await sleep(2_000);
          continue;
        }
        this.lead ??= await this.takeOver();
        const relayed = await this.relayOnce(this.lead);
        if (relayed === 0) await sleep(100);
      } catch (error) {
        this.logger.warn(`rated-message relay: ${(error as Error).message}; taking over again`);
        await this.stepDown();
        await sleep(1_000);
      }
    }
  }

  /**
   * Starts a producer under the feed's transactional id and fences with it (the broker completes
   * or aborts whatever an earlier holder left open and refuses it from now on), then reads where
   * the feed stands.
   */
  private async takeOver(): Promise<Lead> {
    const id = relayTransactionalId(this.topic);
    const producer = this.kafka.producer({
      transactionalId: id,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionTimeout: 30_000,
      // Never giving up on its own, as the idempotent producer needs; a stuck transaction times out at the broker.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    });
    try {
      await producer.connect();
      // kafkajs fences (InitProducerId under the transactional id) at the first transaction, not at
      // connect: fence now, before reading where the feed stands. The broker answers only once a
      // transaction an earlier holder left committing has completed, so its position is then visible;
      // read before it, the position was stale and the batch went out twice (a broker killed mid-commit).
      await (await producer.transaction()).abort();
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const [stored, committed, topic] = await Promise.all([
          this.withClient((client) => this.feed.checkpoint(client)),
          admin.fetchOffsets({ groupId: id, topics: [this.topic] }),
          readFeedTopic(admin, this.topic, this.logger),
        ]);
        const checkpoint = this.resumeFrom(
          stored,
          committed[0]?.partitions.find(({ partition }) => partition === 0),
        );
        this.logger.log(
          `took over the rated-message feed at position ${checkpoint.feedPosition} (event ${checkpoint.globalPosition})`,
        );
        return { producer, checkpoint, feedId: stored.feedId, topic, ahead: null };
      } finally {
        await admin.disconnect();
      }
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Kafka's committed position, unless Postgres' record is further (Kafka's offsets of an idle group
   * expire after offsets.retention.minutes) or Kafka's belongs to another database's feed.
   */
  private resumeFrom(
    stored: FeedCheckpoint & { feedId: string },
    committed: { offset: string; metadata: string | null } | undefined,
  ): FeedCheckpoint {
    if (!committed || committed.offset === '-1' || !committed.metadata) return stored;
    let position: CommittedPosition;
    try {
      position = JSON.parse(committed.metadata) as CommittedPosition;
    } catch {
      this.logger.warn(`the feed position committed in Kafka is unreadable (${committed.metadata}); using Postgres'`);
      return stored;
    }
    if (position.feedId !== stored.feedId) {
      this.logger.warn(`the feed position committed in Kafka is another database's feed (${position.feedId}); ignored`);
      return stored;
    }
    const feedPosition = BigInt(committed.offset);
    if (feedPosition <= stored.feedPosition) return stored;
    return { transactionId: position.transactionId, globalPosition: BigInt(position.globalPosition), feedPosition };
  }

  /**
   * Publishes what is ready in one Kafka transaction, a read of up to BATCH events a send, and up to
   * TRANSACTION_EVENTS while full reads keep coming (a backlog); returns how many events it carried.
   * Each next read is started while the send before it is on its way: it only reads, from the position
   * that send reaches, so it is what the next pass would have read, with the commits since then still
   * to come on the pass after. A transaction that fails is aborted whole, and the lead with it.
   */
  private async relayOnce(lead: Lead): Promise<number> {
    let rows = await this.takeAhead(lead, lead.checkpoint);
    if (rows.length === 0) return 0;
    const topic = this.topic;
    let reached = lead.checkpoint;
    let events = 0;
    let references = 0;
    const transaction = await lead.producer.transaction();
    try {
      for (;;) {
        const from = reached;
        const records = feedRecords(
          rows,
          lead.topic,
          (_, index) => ({ [FEED_HEADERS.position]: (from.feedPosition + BigInt(index + 1)).toString() }),
          (row, bytes) => {
            references += 1;
            this.logger.error(
              `the charge at event ${row.globalPosition} is ${bytes} bytes, more than ${topic} takes; published as a reference`,
            );
          },
        );
        const last = rows[rows.length - 1];
        reached = {
          transactionId: last.transactionId,
          globalPosition: last.globalPosition,
          feedPosition: from.feedPosition + BigInt(rows.length),
        };
        events += rows.length;
        const full = rows.length === BATCH;
        lead.ahead = this.readAfter(reached);
        for (const send of sizedSends(records, lead.topic.sendBytes)) {
          const record = {
            topic,
            acks: -1,
            messages: send.map(({ partition, key, value, headers }) => ({ partition, key, value, headers })),
          };
          // Every partition answered before the commit (kafkajs may drop one whose leader moved
          // mid-send); if not, the transaction is aborted and the batch goes again in a new one.
          assertAnswered(record, await transaction.send(record));
        }
        // A short read caught up with the log: commit now rather than wait on the next read.
        if (!full || events + BATCH > TRANSACTION_EVENTS) break;
        rows = await this.takeAhead(lead, reached);
        if (rows.length === 0) break;
      }
      const position: CommittedPosition = {
        feedId: lead.feedId,
        transactionId: reached.transactionId,
        globalPosition: reached.globalPosition.toString(),
      };
      // kafkajs passes the metadata through to TxnOffsetCommit, though its types omit it.
      const offset: kafkajs.PartitionOffset & { metadata: string } = {
        partition: 0,
        offset: reached.feedPosition.toString(),
        metadata: JSON.stringify(position),
      };
      await transaction.sendOffsets({
        consumerGroupId: relayTransactionalId(topic),
        topics: [{ topic, partitions: [offset] }],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    lead.checkpoint = reached;
    this.metrics.recordsPublished(events, references);
    await this.withClient((client) => this.feed.recordCheckpoint(client, reached));
    return events;
  }

  /** The rows after `from`: the read started ahead for it, taken off the lead, or a read now. */
  private async takeAhead(lead: Lead, from: FeedCheckpoint): Promise<FeedRow[]> {
    const { ahead } = lead;
    lead.ahead = null;
    return ahead?.from === from ? ahead.rows : this.readAfter(from).rows;
  }

  private readAfter(checkpoint: FeedCheckpoint): ReadAhead {
    const rows = inPlannedTransaction(this.pool, 'ordered', (client) => this.feed.next(client, checkpoint, BATCH));
    // Awaited only if its batch's turn comes; a read whose lead was dropped must not go unhandled.
    rows.catch(() => undefined);
    return { from: checkpoint, rows };
  }

  private async stepDown(): Promise<void> {
    const lead = this.lead;
    this.lead = null;
    await lead?.producer.disconnect().catch(() => undefined);
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
