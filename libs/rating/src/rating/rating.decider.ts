import { HOME_NETWORK } from '@ledger/contracts';
import type {
  BoltOnPurchase,
  LedgerEvent,
  MessageEvent,
  MessageFacts,
  MessageRejectionReason,
  MessageSent,
  PurchaseEvent,
} from '@ledger/contracts';
import type { RatingCommand } from '../commands/rating-command.js';
import { subscriberOf } from '../commands/rating-command.js';
import { RatingInvariantError, RatingRejectionError } from '../rating.errors.js';
import type { SubscriberState } from '../subscriber/subscriber.state.js';
import { boltOnOffer, hasMmsInterconnect, mmsRoamingAllowed, paygPrice } from '../tariff/tariff.lookups.js';
import type { Tariff } from '../tariff/tariff.model.js';
import { allocateUnits, expiryOf } from './bolt-on-allocation.js';
import { fingerprintMessage, fingerprintPurchase, messageFacts } from './fingerprint.js';

/** What the ledger already holds under the command's idempotency key (messageId / purchaseId). */
export interface PriorOutcome {
  readonly event: LedgerEvent;
}

export type Decision =
  | { readonly outcome: 'new'; readonly events: LedgerEvent[] }
  | { readonly outcome: 'repeat'; readonly first: LedgerEvent }
  | { readonly outcome: 'conflict'; readonly reason: 'DUPLICATE_CONFLICT'; readonly first: LedgerEvent };

/** Rates one command against the subscriber's state and the tariff (docs/CONTRACT.md section 3): exactly one event, or the first answer again. */
export function decide(command: RatingCommand, state: SubscriberState, tariff: Tariff, prior?: PriorOutcome): Decision {
  if (subscriberOf(command) !== state.msisdn) {
    throw new RatingInvariantError(
      'WRONG_SUBSCRIBER',
      `a command of ${subscriberOf(command)} was decided on the state of ${state.msisdn}`,
    );
  }
  if (prior) {
    // Content is compared only for a repeated id, so new inputs pay nothing for it.
    return fingerprintOf(command) === fingerprintOfEvent(prior.event)
      ? { outcome: 'repeat', first: prior.event }
      : { outcome: 'conflict', reason: 'DUPLICATE_CONFLICT', first: prior.event };
  }
  switch (command.type) {
    case 'PurchaseBoltOn':
      return { outcome: 'new', events: [ratePurchase(command.purchase, tariff)] };
    case 'RecordMessageSent':
      return { outcome: 'new', events: [rateMessage(command.message, state, tariff)] };
  }
}

/** The fingerprint of the input an event was decided from: the same as fingerprintOf that input. */
export function fingerprintOfEvent(event: LedgerEvent): string {
  switch (event.type) {
    case 'BoltOnPurchased':
    case 'BoltOnPurchaseRejected': {
      const { purchaseId, msisdn, boltOn, purchasedAt } = event.data;
      return fingerprintPurchase({ purchaseId, msisdn, boltOn, purchasedAt });
    }
    case 'MessageCharged':
    case 'MessageRecorded':
    case 'MessageRejected':
    case 'MessageRerated':
      return fingerprintMessage(event.data.message as MessageSent);
  }
}

export function fingerprintOf(command: RatingCommand): string {
  switch (command.type) {
    case 'PurchaseBoltOn':
      return fingerprintPurchase(command.purchase);
    case 'RecordMessageSent':
      return fingerprintMessage(command.message);
  }
}

function ratePurchase(purchase: BoltOnPurchase, tariff: Tariff): PurchaseEvent {
  const { purchaseId, msisdn, boltOn, purchasedAt } = purchase;
  const offer = boltOnOffer(tariff, boltOn, purchasedAt);
  if (!offer) {
    return {
      type: 'BoltOnPurchaseRejected',
      data: { purchaseId, msisdn, boltOn, purchasedAt, reason: 'BOLT_ON_NOT_AVAILABLE' },
    };
  }
  const data = { purchaseId, msisdn, boltOn, units: offer.units, pricePence: offer.pricePence, purchasedAt };
  const expiresAt = expiryOf(purchasedAt, offer.validityDays);
  return { type: 'BoltOnPurchased', data: expiresAt === null ? data : { ...data, expiresAt } };
}

function rateMessage(sent: MessageSent, state: SubscriberState, tariff: Tariff): MessageEvent {
  return rateMessageFacts(messageFacts(sent), state, tariff);
}

/** Rules 2 to 6 for a message already normalised: what a first rating and a rerating both decide. */
export function rateMessageFacts(message: MessageFacts, state: SubscriberState, tariff: Tariff): MessageEvent {
  const reason = rejectionOf(message, tariff);
  if (reason) return { type: 'MessageRejected', data: { message, reason } };
  if (message.sender.network !== HOME_NETWORK) return { type: 'MessageRecorded', data: { message } };
  return charge(message, state, tariff);
}

/** Rules 2 to 4, in order: who pays, MMS interconnect, MMS roaming. */
function rejectionOf(message: MessageFacts, tariff: Tariff): MessageRejectionReason | undefined {
  const outbound = message.sender.network === HOME_NETWORK;
  if (!outbound && message.recipient.network !== HOME_NETWORK) return 'NOT_O2_TRAFFIC';
  if (message.kind === 'SMS') return undefined;
  const otherParty = outbound ? message.recipient.network : message.sender.network;
  if (!hasMmsInterconnect(tariff, otherParty, message.sentAt)) return 'NO_MMS_INTERCONNECT';
  if (
    outbound &&
    message.roamingCountry !== null &&
    !mmsRoamingAllowed(tariff, message.roamingCountry, message.sentAt)
  ) {
    return 'ROAMING_NOT_SUPPORTED';
  }
  return undefined;
}

/** Rules 5 and 6: the units of the bolt-ons if they hold enough, else the pay-as-you-go price. */
function charge(message: MessageFacts, state: SubscriberState, tariff: Tariff): MessageEvent {
  const unitsNeeded = tariff.unitsPerMessage[message.kind];
  const allocations = allocateUnits(state.boltOns, unitsNeeded, message.sentAt);
  if (allocations) {
    return { type: 'MessageCharged', data: { message, units: unitsNeeded, pence: 0, allocations } };
  }
  const price = paygPrice(tariff, message.kind, message.sentAt);
  if (!price) {
    throw new RatingRejectionError(
      'NO_PAYG_PRICE',
      `tariff ${tariff.version} has no ${message.kind} price in force at ${message.sentAt} (message ${message.messageId})`,
    );
  }
  return { type: 'MessageCharged', data: { message, units: 0, pence: price.pricePence, allocations: [] } };
}
