import { BoltOnsProjection } from '@ledger/app/bolt-ons/read-model/bolt-ons.projection.js';
import { ChargesProjection } from '@ledger/app/charges/read-model/charges.projection.js';
import { FinanceProjection } from '@ledger/app/finance/read-model/finance.projection.js';

/** Every read model fed from the event store, in the order they apply: the one list of them. */
export const READ_MODEL_PROJECTIONS = [BoltOnsProjection, ChargesProjection, FinanceProjection];
