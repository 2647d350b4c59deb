import type { BoltOnPurchase } from '@ledger/contracts';

/** Sell a bolt-on to a subscriber. */
export interface PurchaseBoltOn {
  readonly type: 'PurchaseBoltOn';
  readonly purchase: BoltOnPurchase;
}
