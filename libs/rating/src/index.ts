export { RatingError, RatingInvariantError, RatingRejectionError } from './rating.errors.js';

export type {
  BoltOnOffer,
  EffectivePeriod,
  InterconnectAgreement,
  PaygPrice,
  RoamingEntry,
  Tariff,
} from './tariff/tariff.model.js';
export { TariffError, parseTariff } from './tariff/tariff.parser.js';
export { boltOnOffer, hasMmsInterconnect, inForce, mmsRoamingAllowed, paygPrice } from './tariff/tariff.lookups.js';
export { DEFAULT_TARIFF_FILE } from './tariff/default-tariff.js';

export type { BoltOnHolding, SubscriberState } from './subscriber/subscriber.state.js';
export { evolve, initialSubscriberState, useAllocations } from './subscriber/subscriber.state.js';

export type { RecordMessageSent } from './commands/record-message-sent.command.js';
export type { PurchaseBoltOn } from './commands/purchase-bolt-on.command.js';
export type { RatingCommand } from './commands/rating-command.js';
export { idempotencyKeyOf, subscriberOf } from './commands/rating-command.js';

export type { Decision, PriorOutcome } from './rating/rating.decider.js';
export { decide, fingerprintOf, fingerprintOfEvent, rateMessageFacts } from './rating/rating.decider.js';
export type { BatchDecision, DecidedEvent, RatedDecision, SubscriberStream } from './rating/decide-all.js';
export { decideAll } from './rating/decide-all.js';
export type { Rerating, RerateRun } from './rating/rerate.js';
export { currentOutcomes, rerate, sameOutcome } from './rating/rerate.js';
export type { DayDelta, ReratingChange, ReratingImpact } from './rating/rerating-impact.js';
export { LISTED_CHANGES, addToImpact, noImpact } from './rating/rerating-impact.js';
export { canonicalJson, fingerprintMessage, fingerprintPurchase, messageFacts } from './rating/fingerprint.js';
export { recognisedPence } from './rating/revenue-recognition.js';
export { allocateUnits, expiryOf, servesAt } from './rating/bolt-on-allocation.js';
