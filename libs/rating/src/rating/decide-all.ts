import type { LedgerEvent, RatingRejectionCode } from '@ledger/contracts';
import type { RatingCommand } from '../commands/rating-command.js';
import { idempotencyKeyOf, subscriberOf } from '../commands/rating-command.js';
import { RatingRejectionError } from '../rating.errors.js';
import type { SubscriberState } from '../subscriber/subscriber.state.js';
import { evolve, initialSubscriberState } from '../subscriber/subscriber.state.js';
import type { Tariff } from '../tariff/tariff.model.js';
import type { Decision, PriorOutcome } from './rating.decider.js';
import { decide } from './rating.decider.js';

/** A subscriber's folded state and the version of its stream's last event (0: no events yet). */
export interface SubscriberStream {
  readonly state: SubscriberState;
  readonly version: number;
}

/** The rating decision, or why the tariff could not rate the input at all. */
export type RatedDecision =
  Decision | { readonly outcome: 'unrated'; readonly reason: RatingRejectionCode; readonly detail: string };

/** An event decided for the command at `commandIndex`, at the stream version it must be appended with. */
export interface DecidedEvent {
  readonly commandIndex: number;
  readonly msisdn: string;
  readonly streamVersion: number;
  readonly idempotencyKey: string;
  readonly event: LedgerEvent;
}

export interface BatchDecision {
  decisions: RatedDecision[];
  events: DecidedEvent[];
  streams: Map<string, SubscriberStream>;
}

/**
 * Decides a batch in order, each command against its subscriber's state as the earlier commands of
 * the batch left it; an id decided earlier in the batch counts as a prior, so a repeat is a repeat.
 * A subscriber missing from `streams` has no events yet. Throws on an invariant violation; never mutates its inputs.
 */
export function decideAll(
  commands: readonly RatingCommand[],
  streams: ReadonlyMap<string, SubscriberStream>,
  tariff: Tariff,
  priors: ReadonlyMap<string, PriorOutcome>,
): BatchDecision {
  const current = new Map(streams);
  const outcomes = new Map(priors);
  const decisions: RatedDecision[] = [];
  const events: DecidedEvent[] = [];
  commands.forEach((command, commandIndex) => {
    const msisdn = subscriberOf(command);
    const idempotencyKey = idempotencyKeyOf(command);
    let { state, version } = current.get(msisdn) ?? { state: initialSubscriberState(msisdn), version: 0 };
    const decision = decideOrUnrated(command, state, tariff, outcomes.get(idempotencyKey));
    decisions.push(decision);
    if (decision.outcome !== 'new') return;
    for (const event of decision.events) {
      state = evolve(state, event);
      version += 1;
      events.push({ commandIndex, msisdn, streamVersion: version, idempotencyKey, event });
      outcomes.set(idempotencyKey, { event });
    }
    current.set(msisdn, { state, version });
  });
  return { decisions, events, streams: current };
}

function decideOrUnrated(
  command: RatingCommand,
  state: SubscriberState,
  tariff: Tariff,
  prior: PriorOutcome | undefined,
): RatedDecision {
  try {
    return decide(command, state, tariff, prior);
  } catch (error) {
    // Only a question the tariff cannot answer sets this input aside; anything else stops the batch.
    if (!(error instanceof RatingRejectionError)) throw error;
    return { outcome: 'unrated', reason: error.code, detail: error.message };
  }
}
