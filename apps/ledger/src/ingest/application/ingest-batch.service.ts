import { Inject, Injectable, Logger } from '@nestjs/common';
import { deadLetterTopic } from '@ledger/contracts';
import { inTransaction, type Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';
import {
  LedgerWriter,
  type Decision,
  type RatingRequest,
} from '@ledger/app/rating/application/ledger-writer.service.js';
import { retryOnConflict } from '@ledger/app/rating/application/retry-on-conflict.js';
import { IngestOffsetsRepository } from '../infrastructure/ingest-offsets.repository.js';
import { RejectionsRepository } from '@ledger/app/rejections/read-model/rejections.repository.js';
import { TOPIC_NAMES, type KafkaMessage, type TopicNames } from '@ledger/app/platform/kafka/kafka.js';
import { decodeRecord, type DecodedRecord } from './decode-record.js';
import type { RecordOrigin, Rejection } from '@ledger/app/rejections/read-model/record-origin.js';

export interface DeadLetterSink {
  send(topic: string, records: readonly { origin: RecordOrigin; reason: string; detail: string }[]): Promise<void>;
}

export const DEAD_LETTER_SINK = Symbol('DEAD_LETTER_SINK');

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

/**
 * Records one slice of a partition exactly once: in a single transaction it locks the
 * partition's stored offset, skips what is already recorded, rates the rest, keeps what cannot be
 * read, and advances the offset.
 */
@Injectable()
export class IngestBatchService {
  private readonly logger = new Logger(IngestBatchService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly writer: LedgerWriter,
    private readonly offsets: IngestOffsetsRepository,
    private readonly rejections: RejectionsRepository,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(DEAD_LETTER_SINK) private readonly deadLetters: DeadLetterSink,
    private readonly metrics: LedgerMetrics,
  ) {}

  /** Returns the number of records newly recorded. */
  async record(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const started = performance.now();
    const decoded = this.decodeSlice(topic, partition, messages);
    await this.sendDeadLetters(topic, partition, decoded);
    const recorded = await this.recordFresh(topic, partition, decoded);
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
        key: message.key?.toString('utf8') ?? null,
        payload: message.value ?? Buffer.alloc(0),
      },
      decoded: decodeRecord(kind, message.value),
    }));
  }

  /** Dead letters go out before the commit: a crash between the two repeats a dead letter, never loses one. */
  private async sendDeadLetters(topic: string, partition: number, decoded: readonly DecodedMessage[]): Promise<void> {
    if (!decoded.some((entry) => !entry.decoded.readable)) return;
    const alreadyRecorded = await this.offsets.read(this.pool, topic, partition);
    const unreadable = decoded.filter((entry) => entry.offset >= alreadyRecorded).flatMap(asRejection);
    if (unreadable.length > 0) await this.deadLetters.send(deadLetterTopic(topic), unreadable);
  }

  /** In one transaction: lock the partition's offset, rate what is new, keep what cannot be read, advance. */
  private recordFresh(topic: string, partition: number, decoded: readonly DecodedMessage[]): Promise<SliceOutcome> {
    return retryOnConflict(
      () =>
        inTransaction(this.pool, async (client) => {
          const next = await this.offsets.lock(client, topic, partition);
          const fresh = decoded.filter((entry) => entry.offset >= next);
          if (fresh.length === 0) return { fresh, decisions: [], unreadable: [] };
          const requests: RatingRequest[] = fresh.flatMap(({ decoded: record, origin }) =>
            record.readable ? [{ command: record.command, origin }] : [],
          );
          const decisions = await this.writer.rate(client, requests);
          const unreadable = fresh.flatMap(asRejection);
          await this.rejections.record(client, unreadable);
          await this.offsets.advance(client, topic, partition, fresh[fresh.length - 1].offset + 1n);
          return { fresh, decisions, unreadable };
        }),
      (error) => this.logger.debug(`${topic}[${partition}] lost a race (${error.message}); deciding again`),
    );
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

function asRejection({ decoded, origin }: DecodedMessage): Rejection[] {
  return decoded.readable ? [] : [{ origin, reason: decoded.reason, detail: decoded.detail }];
}
