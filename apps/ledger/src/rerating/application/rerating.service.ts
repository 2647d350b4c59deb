import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { streamOf, type MessageRerated } from '@ledger/contracts';
import { PostgresEventStore, type NewEvent } from '@ledger/event-store';
import { RatingRejectionError, rerate } from '@ledger/rating';
import {
  inPlannedTransaction,
  inTransaction,
  type Pool,
  type PoolClient,
} from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { holdPeriodsOpen } from '@ledger/app/platform/database/period-lock.js';
import { PROJECTIONS, type Projection } from '@ledger/app/read-models/projection.js';
import { retryOnConflict } from '@ledger/app/rating/application/retry-on-conflict.js';
import { TariffVersions, type TariffVersion } from '@ledger/app/rating/tariff/tariff-versions.js';
import { addToImpact, noImpact } from '@ledger/rating';
import { ReratingError } from '../domain/rerating.errors.js';
import { SubscriberStreamsRepository, type SubscriberStream } from '../infrastructure/subscriber-streams.repository.js';
import {
  ReratingRunsRepository,
  type DecidedImpact,
  type ReratingRunRecord,
} from '../read-model/rerating-runs.repository.js';

/** Subscribers decided again per transaction: a lost race with ingest repeats this many, no more. */
const SUBSCRIBERS_PER_BATCH = 100;

export interface ReratingRequest {
  from: string;
  subscribers: string[] | null;
  reason: string;
}

export interface ReratingProgress {
  subscribersDone: number;
  subscribers: number;
}

type OnProgress = (progress: ReratingProgress) => void;

/**
 * Rerating runs (docs/CONTRACT.md section 8.2): a dry run decides every affected subscriber's
 * messages again in one snapshot and appends nothing; an apply decides them again on the state at
 * that moment, subscriber batch by batch, appending the MessageRerated events with the stream
 * versions it read, so a race with live ingest is lost by one side and decided again.
 */
@Injectable()
export class ReratingService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly eventStore: PostgresEventStore,
    private readonly tariffs: TariffVersions,
    private readonly streams: SubscriberStreamsRepository,
    private readonly runs: ReratingRunsRepository,
    @Inject(PROJECTIONS) private readonly projections: readonly Projection[],
  ) {}

  async dryRun(request: ReratingRequest, onProgress: OnProgress = () => undefined): Promise<ReratingRunRecord> {
    const runId = randomUUID();
    const client = await this.pool.connect();
    let dryRun: DecidedImpact;
    try {
      // One snapshot for the whole dry run: its figures agree with each other while ingest goes on.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const tariff = await this.tariffs.current(client);
      const subscribers = request.subscribers ?? (await this.streams.affected(client, request.from));
      dryRun = { tariffVersion: tariff.version, ...noImpact() };
      for (let start = 0; start < subscribers.length; start += SUBSCRIBERS_PER_BATCH) {
        const batch = subscribers.slice(start, start + SUBSCRIBERS_PER_BATCH);
        for (const stream of await this.streams.read(client, batch)) {
          const { messagesExamined, events } = decideAgain(stream, tariff, request.from, runId);
          dryRun = { ...addToImpact(dryRun, messagesExamined, events), tariffVersion: tariff.version };
        }
        onProgress({ subscribersDone: start + batch.length, subscribers: subscribers.length });
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return this.runs.insert(this.pool, { runId, ...request, dryRun });
  }

  async apply(runId: string, onProgress: OnProgress = () => undefined): Promise<ReratingRunRecord> {
    const found = await this.runs.find(this.pool, runId);
    if (!found) throw new ReratingError('RERATING_RUN_NOT_FOUND', `no rerating run ${runId}`);
    if (found.status === 'APPLIED') return found;
    const tariff = found.applied
      ? await this.tariffs.version(found.applied.tariffVersion)
      : await this.tariffs.current();
    await inTransaction(this.pool, (client) =>
      this.runs.claim(client, runId, { tariffVersion: tariff.version, ...noImpact() }),
    );
    const subscribers =
      found.subscribers ?? (await inTransaction(this.pool, (client) => this.streams.affected(client, found.from)));
    for (let start = 0; start < subscribers.length; start += SUBSCRIBERS_PER_BATCH) {
      const batch = subscribers.slice(start, start + SUBSCRIBERS_PER_BATCH);
      await retryOnConflict(() =>
        inPlannedTransaction(this.pool, 'keyed', (client) => this.applyBatch(client, found, tariff, batch)),
      );
      onProgress({ subscribersDone: start + batch.length, subscribers: subscribers.length });
    }
    await this.runs.finish(this.pool, runId);
    return (await this.runs.find(this.pool, runId))!;
  }

  private async applyBatch(
    client: PoolClient,
    run: ReratingRunRecord,
    tariff: TariffVersion,
    batch: readonly string[],
  ): Promise<void> {
    // Before the append: the finance projection must see every close recorded before these events;
    // and the batch's heads, so that a slice or purchase on one of its subscribers waits for it.
    await holdPeriodsOpen(client, batch.map(streamOf));
    // The run's row serialises instances applying the same run; what is done is skipped.
    const locked = (await this.runs.find(client, run.runId, true))!;
    const todo = batch.filter((msisdn) => locked.appliedThrough === null || msisdn > locked.appliedThrough);
    if (todo.length === 0 || locked.applied === null) return;
    let applied = locked.applied;
    const appended: { event: MessageRerated; newEvent: NewEvent }[] = [];
    for (const stream of await this.streams.read(client, todo)) {
      const { messagesExamined, events } = decideAgain(stream, tariff, run.from, run.runId);
      applied = { ...addToImpact(applied, messagesExamined, events), tariffVersion: tariff.version };
      events.forEach((event, index) =>
        appended.push({
          event,
          newEvent: {
            streamId: streamOf(stream.msisdn),
            streamVersion: stream.version + index + 1,
            type: event.type,
            idempotencyKey: `rerated:${run.runId}:${event.data.message.messageId}`,
            data: event.data,
          },
        }),
      );
    }
    const positions = await this.eventStore.append(
      client,
      appended.map(({ newEvent }) => newEvent),
    );
    const recorded = appended.map(({ event }, index) => ({ globalPosition: positions[index], event }));
    for (const projection of this.projections) await projection.apply(client, recorded);
    await this.runs.progress(client, run.runId, applied, todo[todo.length - 1]);
  }
}

function decideAgain(stream: SubscriberStream, tariff: TariffVersion, from: string, runId: string) {
  try {
    return rerate(stream.events, tariff.tariff, from, { runId, tariffVersion: tariff.version });
  } catch (error) {
    if (!(error instanceof RatingRejectionError)) throw error;
    throw new ReratingError(
      'TARIFF_CANNOT_RERATE',
      `tariff version ${tariff.version} cannot rate a message of ${stream.msisdn}: ${error.message}; nothing was appended`,
    );
  }
}
