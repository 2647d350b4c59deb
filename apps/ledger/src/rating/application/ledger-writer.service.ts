import { Inject, Injectable } from '@nestjs/common';
import { streamOf, type LedgerEvent } from '@ledger/contracts';
import { PostgresEventStore, type NewEvent } from '@ledger/event-store';
import {
  decideAll,
  idempotencyKeyOf,
  subscriberOf,
  type DecidedEvent,
  type PriorOutcome,
  type RatedDecision,
  type RatingCommand,
} from '@ledger/rating';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import { holdPeriodsOpen } from '@ledger/app/platform/database/period-lock.js';
import type { RecordOrigin, Rejection } from '@ledger/app/rejections/read-model/record-origin.js';
import { RejectionsRepository } from '@ledger/app/rejections/read-model/rejections.repository.js';
import { PROJECTIONS, project, type Projection } from '@ledger/app/read-models/projection.js';
import type { Write } from '@ledger/app/read-models/writes.js';
import { SubscriberStateRepository } from '../infrastructure/subscriber-state.repository.js';
import { TariffVersions } from '../tariff/tariff-versions.js';

/** The rating decision, or why the tariff could not rate the input at all. */
export type Decision = RatedDecision;

export interface RateOptions {
  /** `false` for a replay: the input is a rejection already, which the caller marks. */
  readonly keepRejections?: boolean;
  /**
   * The caller took the periods lock in share mode and the heads of the requests' streams
   * (holdPeriodsOpen, or the ingest's offset lock) earlier in this transaction.
   */
  readonly locksHeld?: boolean;
  /** The caller's own writes, run in the same round trip as the read models' (they must not need to see those). */
  readonly alsoWrite?: readonly Write[];
}

export interface RatingRequest {
  readonly command: RatingCommand;
  readonly origin: RecordOrigin;
}

/**
 * Where a charge is decided: loads each subscriber once, decides every request in order, appends
 * the events with the versions it expects, and projects them, all in the caller's transaction.
 * An invariant violation from rating throws and fails the caller's transaction; only rejections are kept.
 */
@Injectable()
export class LedgerWriter {
  constructor(
    private readonly eventStore: PostgresEventStore,
    private readonly subscribers: SubscriberStateRepository,
    private readonly rejections: RejectionsRepository,
    private readonly tariffs: TariffVersions,
    @Inject(PROJECTIONS) private readonly projections: readonly Projection[],
  ) {}

  async rate(
    client: PoolClient,
    requests: readonly RatingRequest[],
    { keepRejections = true, locksHeld = false, alsoWrite = [] }: RateOptions = {},
  ): Promise<Decision[]> {
    const commands = requests.map(({ command }) => command);
    // Before any read: the finance projection must see every close recorded before these events,
    // and a writer sharing a subscriber with this one must have committed or wait.
    if (!locksHeld) await holdPeriodsOpen(client, streamsOf(commands));
    const priors = await this.priorsOf(client, commands);
    // Read in this transaction, with the streams: an input is rated with the newest version stored
    // before it, on every instance; only the parsed document is kept, per version (a version never changes).
    const loaded = await this.subscribers.load(client, [...new Set(commands.map(subscriberOf))]);
    if (loaded.tariffVersion === null) throw new Error('no tariff version is stored: the service stores one at start');
    const tariff = await this.tariffs.version(loaded.tariffVersion, client);
    const decided = decideAll(commands, loaded.subscribers, tariff.tariff, priors);
    const { decisions } = decided;
    const events = decided.events.map((decidedEvent) => stampVersion(decidedEvent, tariff.version));

    const positions = await this.eventStore.append(client, events.map(toNewEvent));
    const recorded = events.map(({ event }, index) => ({ globalPosition: positions[index], event }));
    await project(client, this.projections, recorded, { closedThrough: loaded.closedThrough }, alsoWrite);
    if (keepRejections) await this.rejections.record(client, rejectionsOf(requests, decisions, events));
    return decisions;
  }

  private async priorsOf(client: PoolClient, commands: readonly RatingCommand[]): Promise<Map<string, PriorOutcome>> {
    const stored = await this.eventStore.findByIdempotencyKeys(client, commands.map(idempotencyKeyOf));
    const priors = new Map<string, PriorOutcome>();
    for (const [key, { type, data }] of stored) priors.set(key, { event: { type, data } as LedgerEvent });
    return priors;
  }
}

/** The streams the commands will append to, each once. */
export function streamsOf(commands: readonly RatingCommand[]): string[] {
  return [...new Set(commands.map((command) => streamOf(subscriberOf(command))))];
}

/** Every rating event records the tariff version that decided it (docs/CONTRACT.md section 8.1). */
function stampVersion(decided: DecidedEvent, tariffVersion: number): DecidedEvent {
  return { ...decided, event: { ...decided.event, data: { ...decided.event.data, tariffVersion } } as LedgerEvent };
}

function toNewEvent({ msisdn, streamVersion, idempotencyKey, event }: DecidedEvent): NewEvent {
  return { streamId: streamOf(msisdn), streamVersion, type: event.type, idempotencyKey, data: event.data };
}

/** The inputs set aside, in request order: unrated ones, conflicting repeats, and rating's own rejections. */
function rejectionsOf(
  requests: readonly RatingRequest[],
  decisions: readonly Decision[],
  events: readonly DecidedEvent[],
): Rejection[] {
  const rejections: Rejection[] = [];
  let next = 0;
  decisions.forEach((decision, index) => {
    const { origin, command } = requests[index];
    if (decision.outcome === 'unrated') rejections.push({ origin, reason: decision.reason, detail: decision.detail });
    if (decision.outcome === 'conflict') {
      const detail = `${idempotencyKeyOf(command)} was recorded before with other content; the first stands`;
      rejections.push({ origin, reason: decision.reason, detail });
    }
    for (; next < events.length && events[next].commandIndex === index; next += 1) {
      const rejection = ratingRejection(events[next].event, origin);
      if (rejection) rejections.push(rejection);
    }
  });
  return rejections;
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
