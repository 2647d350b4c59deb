import { isMessageEvent, outcomeOf } from '@ledger/contracts';
import type { Allocation, LedgerEvent, MessageRerated, RatedOutcome } from '@ledger/contracts';
import { evolve, initialSubscriberState, useAllocations } from '../subscriber/subscriber.state.js';
import type { Tariff } from '../tariff/tariff.model.js';
import { rateMessageFacts } from './rating.decider.js';

/** Which run decides again, and the tariff version it decides under. */
export interface RerateRun {
  readonly runId: string;
  readonly tariffVersion?: number;
}

export interface Rerating {
  /** Messages decided again: the first with sentAt >= from in the ledger's order, and every one recorded after it. */
  readonly messagesExamined: number;
  /** One event per message whose outcome changed, in the ledger's order. */
  readonly events: MessageRerated[];
}

/**
 * Decides a subscriber's messages again from the first one in the stream's order with sentAt >= from
 * (docs/CONTRACT.md section 8.2), re-evolving the bolt-on units from that point under `tariff`:
 * purchases keep what they were sold with, earlier reratings count as the messages' outcomes.
 * Throws the rating rejection when the tariff cannot rate one of them, so a run never half-applies.
 */
export function rerate(stream: readonly LedgerEvent[], tariff: Tariff, from: string, run: RerateRun): Rerating {
  const msisdn = subscriberOfStream(stream);
  if (msisdn === undefined) return { messagesExamined: 0, events: [] };
  const current = currentOutcomes(stream);
  const fromMs = Date.parse(from);
  const start = stream.findIndex((event) => isMessageEvent(event) && Date.parse(event.data.message.sentAt) >= fromMs);
  if (start < 0) return { messagesExamined: 0, events: [] };

  let state = initialSubscriberState(msisdn);
  let messagesExamined = 0;
  const events: MessageRerated[] = [];
  stream.forEach((event, index) => {
    if (event.type === 'MessageRerated') return;
    if (!isMessageEvent(event)) {
      state = evolve(state, event);
      return;
    }
    const before = current.get(event.data.message.messageId) ?? outcomeOf(event);
    if (index < start) {
      state = useAllocations(state, before.allocations);
      return;
    }
    messagesExamined += 1;
    const after = outcomeOf(rateMessageFacts(event.data.message, state, tariff));
    if (!sameOutcome(before, after)) {
      events.push({
        type: 'MessageRerated',
        data: { runId: run.runId, message: event.data.message, before, after, tariffVersion: run.tariffVersion },
      });
    }
    state = useAllocations(state, after.allocations);
  });
  return { messagesExamined, events };
}

/** Each message's outcome as the stream now says it: the last rerating's, else its first rating's. */
export function currentOutcomes(stream: readonly LedgerEvent[]): Map<string, RatedOutcome> {
  const outcomes = new Map<string, RatedOutcome>();
  for (const event of stream) {
    if (isMessageEvent(event)) outcomes.set(event.data.message.messageId, outcomeOf(event));
    else if (event.type === 'MessageRerated') outcomes.set(event.data.message.messageId, event.data.after);
  }
  return outcomes;
}

export function sameOutcome(a: RatedOutcome, b: RatedOutcome): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.units === b.units &&
    a.pence === b.pence &&
    a.allocations.length === b.allocations.length &&
    a.allocations.every((allocation, i) => sameAllocation(allocation, b.allocations[i]))
  );
}

const sameAllocation = (a: Allocation, b: Allocation): boolean =>
  a.purchaseId === b.purchaseId && a.units === b.units && a.recognisedPence === b.recognisedPence;

function subscriberOfStream(stream: readonly LedgerEvent[]): string | undefined {
  const first = stream[0];
  if (first === undefined) return undefined;
  switch (first.type) {
    case 'BoltOnPurchased':
    case 'BoltOnPurchaseRejected':
      return first.data.msisdn;
    case 'MessageCharged':
    case 'MessageRecorded':
    case 'MessageRejected':
    case 'MessageRerated':
      return first.data.message.sender.msisdn;
  }
}
