import type { MessageKind, Network } from '@ledger/contracts';

/** An entry of the tariff in force from `effectiveFrom` (inclusive) until `effectiveUntil` (exclusive; null: open-ended). */
export interface EffectivePeriod {
  readonly effectiveFrom: string;
  readonly effectiveUntil: string | null;
}

export interface BoltOnOffer extends EffectivePeriod {
  readonly code: string;
  readonly pricePence: number;
  readonly units: number;
  /** Days the units serve from purchase (docs/CONTRACT.md section 10); absent: never expires. */
  readonly validityDays?: number;
}

export interface PaygPrice extends EffectivePeriod {
  readonly kind: MessageKind;
  readonly pricePence: number;
}

/** An MMS interconnect agreement between O2 UK and another network (O2 UK to O2 UK always works and is not listed). */
export interface InterconnectAgreement extends EffectivePeriod {
  readonly network: Network;
}

/** A country where O2 UK customers can send MMS while roaming. */
export interface RoamingEntry extends EffectivePeriod {
  readonly country: string;
}

/** Versioned, effective-dated rating configuration (docs/CONTRACT.md section 1). */
export interface Tariff {
  readonly version: string;
  readonly boltOns: readonly BoltOnOffer[];
  readonly unitsPerMessage: { readonly SMS: number; readonly MMS: number };
  readonly paygPrices: readonly PaygPrice[];
  readonly mmsInterconnects: readonly InterconnectAgreement[];
  readonly mmsRoamingCountries: readonly RoamingEntry[];
}
