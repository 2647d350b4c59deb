import { HOME_NETWORK } from '@ledger/contracts';
import type { MessageKind, Network } from '@ledger/contracts';
import type { BoltOnOffer, EffectivePeriod, PaygPrice, Tariff } from './tariff.model.js';

// Rating asks about the same instant and the same entries many times over: parse each once.
const periods = new WeakMap<EffectivePeriod, { from: number; until: number }>();
let lastAt = '';
let lastInstant = NaN;

/** Whether the entry is in force at the instant: effectiveFrom <= at < effectiveUntil. */
export function inForce(entry: EffectivePeriod, at: string): boolean {
  if (at !== lastAt) {
    lastAt = at;
    lastInstant = Date.parse(at);
  }
  let period = periods.get(entry);
  if (!period) {
    period = {
      from: Date.parse(entry.effectiveFrom),
      until: entry.effectiveUntil === null ? Infinity : Date.parse(entry.effectiveUntil),
    };
    periods.set(entry, period);
  }
  return period.from <= lastInstant && lastInstant < period.until;
}

export function boltOnOffer(tariff: Tariff, code: string, at: string): BoltOnOffer | undefined {
  return tariff.boltOns.find((offer) => offer.code === code && inForce(offer, at));
}

export function paygPrice(tariff: Tariff, kind: MessageKind, at: string): PaygPrice | undefined {
  return tariff.paygPrices.find((price) => price.kind === kind && inForce(price, at));
}

export function hasMmsInterconnect(tariff: Tariff, network: Network, at: string): boolean {
  return (
    network === HOME_NETWORK ||
    tariff.mmsInterconnects.some((agreement) => agreement.network === network && inForce(agreement, at))
  );
}

export function mmsRoamingAllowed(tariff: Tariff, country: string, at: string): boolean {
  return tariff.mmsRoamingCountries.some((entry) => entry.country === country && inForce(entry, at));
}
