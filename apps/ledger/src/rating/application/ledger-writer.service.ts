import { Inject, Injectable } from '@nestjs/common';
import { streamOf, type LedgerEvent } from '@ledger/contracts';
import { PostgresEventStore, type NewEvent } from '@ledger/event-store';
import {
  decide,
  evolve,
  idempotencyKeyOf,
  subscriberOf,
  RatingError,
  type Decision as RatingDecision,
  type PriorOutcome,
  type RatingCommand,
  type Tariff,
} from '@ledger/rating';
import type { PoolClient } from '../../database/database.js';
import type { RecordOrigin, Rejection } from '../../ingest/application/record-origin.js';
import { RejectionsRepository } from '../../ingest/infrastructure/rejections.repository.js';
import { PROJECTIONS, type Projection } from '../../projections/projection.js';
import { OutboxRepository } from '../../rated-feed/outbox.repository.js';
import { SubscriberStateRepository } from '../infrastructure/subscriber-state.repository.js';
import { TARIFF } from '../infrastructure/tariff.provider.js';

/** The rating decision, or why the tariff could not rate the input at all. */
export type Decision = RatingDecision | { outcome: 'unrated'; reason: string; detail: string };

export interface RatingRequest {
  readonly command: RatingCommand;
  readonly origin: RecordOrigin;
}

/**
 * Where a charge is decided: loads each subscriber once, decides every request in order, appends
 * the events with the versions it expects, and projects them, all in the caller's transaction.
 */
@Injectable()
export class LedgerWriter {
  constructor(
    private readonly eventStore: PostgresEventStore,
    private readonly subscribers: SubscriberStateRepository,
    private readonly rejections: RejectionsRepository,
    @Inject(TARIFF) private readonly tariff: Tariff,
    @Inject(PROJECTIONS) private readonly projections: readonly Projection[],
    private readonly outbox: OutboxRepository,
  ) {}

  async rate(client: PoolClient, requests: readonly RatingRequest[]): Promise<Decision[]> {
    const keys = requests.map(({ command }) => idempotencyKeyOf(command));
    const stored = await this.eventStore.findByIdempotencyKeys(client, keys);
    const priors = new Map<string, PriorOutcome>();
    for (const [key, { type, data }] of stored) priors.set(key, { event: { type, data } as LedgerEvent });
    const subscribers = await this.subscribers.load(client, [
      ...new Set(requests.map(({ command }) => subscriberOf(command))),
    ]);

    const decisions: Decision[] = [];
    const appended: NewEvent[] = [];
    const events: LedgerEvent[] = [];
    const rejections: Rejection[] = [];
    requests.forEach(({ command, origin }, index) => {
      const key = keys[index];
      const subscriber = subscribers.get(subscriberOf(command))!;
      let decision: Decision;
      try {
        decision = decide(command, subscriber.state, this.tariff, priors.get(key));
      } catch (error) {
        // A rule the tariff cannot answer (e.g. no price in force that day) rejects this input, not the batch.
        if (!(error instanceof RatingError)) throw error;
        rejections.push({ origin, reason: error.code, detail: error.message });
        decisions.push({ outcome: 'unrated', reason: error.code, detail: error.message });
        return;
      }
      decisions.push(decision);
      if (decision.outcome === 'conflict') {
        rejections.push({
          origin,
          reason: decision.reason,
          detail: `${key} was recorded before with other content; the first stands`,
        });
        return;
      }
      if (decision.outcome === 'repeat') return;
      for (const event of decision.events) {
        subscriber.state = evolve(subscriber.state, event);
        subscriber.version += 1;
        appended.push({
          streamId: streamOf(subscriber.state.msisdn),
          streamVersion: subscriber.version,
          type: event.type,
          idempotencyKey: key,
          data: event.data,
        });
        events.push(event);
        priors.set(key, { event });
        const rejection = ratingRejection(event, origin);
        if (rejection) rejections.push(rejection);
      }
    });

    const positions = await this.eventStore.append(client, appended);
    const recorded = events.map((event, index) => ({ globalPosition: positions[index], event }));
    for (const projection of this.projections) await projection.apply(client, recorded);
    await this.outbox.enqueue(client, recorded);
    await this.rejections.record(client, rejections);
    return decisions;
  }
}

function ratingRejection(event: LedgerEvent, origin: RecordOrigin): Rejection | null {
  switch (event.type) {
    case 'MessageRejected':
      return {
        origin,
        reason: event.data.reason,
        detail: `message ${event.data.message.messageId} rejected by rating`,
      };
    case 'BoltOnPurchaseRejected':
      return {
        origin,
        reason: event.data.reason,
        detail: `bolt-on ${event.data.boltOn} is not in the catalogue in force at ${event.data.purchasedAt}`,
      };
    case 'MessageCharged':
    case 'MessageRecorded':
    case 'BoltOnPurchased':
    case 'MessageRerated':
      return null;
  }
}
