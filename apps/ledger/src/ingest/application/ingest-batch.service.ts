import { Inject, Injectable, Logger } from '@nestjs/common';
import { deadLetterTopic } from '@ledger/contracts';
import { inPlannedTransaction, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';
import {
  LedgerWriter,
  streamsOf,
  type Decision,
  type RatingRequest,
} from '@ledger/app/rating/application/ledger-writer.service.js';
import { retryOnConflict } from '@ledger/app/rating/application/retry-on-conflict.js';
import { keepableDetail, RejectionsRepository } from '@ledger/app/rejections/read-model/rejections.repository.js';
import { TOPIC_NAMES, type KafkaMessage, type TopicNames } from '@ledger/app/platform/kafka/kafka.js';
import type { RecordOrigin, Rejection } from '@ledger/app/rejections/read-model/record-origin.js';
import { DeadLettersRepository, type NewDeadLetter } from '../infrastructure/dead-letters.repository.js';
import { IngestOffsetsRepository } from '../infrastructure/ingest-offsets.repository.js';
import { databaseRefusal } from './database-refusal.js';
import { decodeRecord, type DecodedRecord } from './decode-record.js';

interface DecodedMessage {
  offset: bigint;
  origin: RecordOrigin;
  decoded: DecodedRecord;
}

interface SliceOutcome {
  fresh: readonly DecodedMessage[];
  decisions: readonly Decision[];
  unreadable: readonly Rejection[];
}

const NOTHING: SliceOutcome = { fresh: [], decisions: [], unreadable: [] };

/**
 * Records one slice of a partition exactly once: in a single transaction it locks the
 * partition's stored offset, skips what is already recorded, rates the rest, keeps what cannot be
 * read (with its dead letter), and advances the offset. A record Postgres refuses is found by
 * splitting the slice and rejected alone; the rest is recorded.
 */
@Injectable()
export class IngestBatchService {
  private readonly logger = new Logger(IngestBatchService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly writer: LedgerWriter,
    private readonly offsets: IngestOffsetsRepository,
    private readonly rejections: RejectionsRepository,
    private readonly deadLetters: DeadLettersRepository,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    private readonly metrics: LedgerMetrics,
  ) {}

  /** Returns the number of records newly recorded. */
  async record(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const started = performance.now();
    const decoded = this.decodeSlice(topic, partition, messages);
    const recorded = await this.recordPoisonProof(topic, partition, decoded);
    this.report(topic, partition, messages, recorded, (performance.now() - started) / 1000);
    return recorded.fresh.length;
  }

  private decodeSlice(topic: string, partition: number, messages: readonly KafkaMessage[]): DecodedMessage[] {
    const kind = this.topics.kindOf(topic);
    return messages.map((message) => ({
      offset: BigInt(message.offset),
      origin: {
        source: 'kafka',
        topic,
        partition,
        offset: message.offset,
        key: message.key ?? null,
        payload: message.value ?? Buffer.alloc(0),
      },
      decoded: decodeRecord(kind, message.value),
    }));
  }

  /** Halves a slice that Postgres refuses until the record at fault stands alone, then rejects it with the reason. */
  private async recordPoisonProof(
    topic: string,
    partition: number,
    decoded: readonly DecodedMessage[],
  ): Promise<SliceOutcome> {
    try {
      return await this.recordFresh(topic, partition, decoded);
    } catch (error) {
      const refusal = databaseRefusal(error);
      if (refusal === null) throw error;
      if (decoded.length === 1) {
        const [entry] = decoded;
        this.logger.warn(`${topic}[${partition}] offset ${entry.offset}: ${refusal}; rejected`);
        const refused = { ...entry, decoded: { readable: false, reason: 'INVALID_RECORD', detail: refusal } } as const;
        return this.recordFresh(topic, partition, [refused]);
      }
      const half = Math.ceil(decoded.length / 2);
      const first = await this.recordPoisonProof(topic, partition, decoded.slice(0, half));
      const second = await this.recordPoisonProof(topic, partition, decoded.slice(half));
      return {
        fresh: [...first.fresh, ...second.fresh],
        decisions: [...first.decisions, ...second.decisions],
        unreadable: [...first.unreadable, ...second.unreadable],
      };
    }
  }

  /** In one transaction: lock the partition's offset, rate what is new and advance, keep what cannot be read. */
  private recordFresh(topic: string, partition: number, decoded: readonly DecodedMessage[]): Promise<SliceOutcome> {
    return retryOnConflict(
      () =>
        inPlannedTransaction(this.pool, 'keyed', async (client) => {
          const next = await this.offsets.lockHoldingPeriodsOpen(client, topic, partition, streamsOfSlice(decoded));
          const fresh = decoded.filter((entry) => entry.offset >= next);
          if (fresh.length === 0) return NOTHING;
          const requests: RatingRequest[] = fresh.flatMap(({ decoded: record, origin }) =>
            record.readable ? [{ command: record.command, origin }] : [],
          );
          // The offset moves in the same round trip as the read models' writes (the row is locked above).
          const advance = this.offsets.advance(topic, partition, fresh[fresh.length - 1].offset + 1n);
          const decisions = await this.writer.rate(client, requests, { locksHeld: true, alsoWrite: [advance] });
          const unreadable = fresh.flatMap(asRejection);
          await this.keepUnreadable(client, topic, unreadable);
          return { fresh, decisions, unreadable };
        }),
      (error) => this.logger.debug(`${topic}[${partition}] lost a race (${error.message}); deciding again`),
    );
  }

  /** The rejection and its dead letter in the same transaction: the relay publishes it later, once. */
  private async keepUnreadable(client: PoolClient, topic: string, unreadable: readonly Rejection[]): Promise<void> {
    if (unreadable.length === 0) return;
    const ids = await this.rejections.record(client, unreadable);
    const letters: NewDeadLetter[] = unreadable.map(({ origin, reason, detail }, index) => ({
      topic: deadLetterTopic(topic),
      key: origin.key,
      value: origin.payload,
      headers: {
        'ledger-reason': reason,
        'ledger-detail': keepableDetail(detail),
        'ledger-source-topic': origin.topic ?? '',
        'ledger-source-partition': String(origin.partition ?? ''),
        'ledger-source-offset': origin.offset ?? '',
        'ledger-rejection-id': ids[index],
      },
    }));
    await this.deadLetters.enqueue(client, letters);
  }

  private report(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    { fresh, decisions, unreadable }: SliceOutcome,
    seconds: number,
  ): void {
    this.metrics.sliceCommitted({
      topic,
      size: messages.length,
      recorded: fresh.length,
      unreadable: unreadable.map(({ reason }) => reason),
      decisions,
      seconds,
    });
    this.logger.debug({
      msg: 'slice committed',
      topic,
      partition,
      firstOffset: Number(messages[0].offset),
      lastOffset: Number(messages[messages.length - 1].offset),
      count: messages.length,
      recorded: fresh.length,
      ms: Math.round(seconds * 1000),
    });
  }
}

/** The streams a slice's readable records append to, each once. */
function streamsOfSlice(decoded: readonly DecodedMessage[]): string[] {
  return streamsOf(decoded.flatMap(({ decoded: record }) => (record.readable ? [record.command] : [])));
}

function asRejection({ decoded, origin }: DecodedMessage): Rejection[] {
  return decoded.readable ? [] : [{ origin, reason: decoded.reason, detail: decoded.detail }];
}
