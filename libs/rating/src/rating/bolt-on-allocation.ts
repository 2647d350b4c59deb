import { formatInstant, type Allocation } from '@ledger/contracts';
import type { BoltOnHolding } from '../subscriber/subscriber.state.js';
import { recognisedPence } from './revenue-recognition.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a bolt-on bought at `purchasedAt` stops serving: purchasedAt + validityDays x 24 h; null without validity. */
export function expiryOf(purchasedAt: string, validityDays: number | undefined): string | null {
  if (validityDays === undefined) return null;
  return formatInstant(Date.parse(purchasedAt) + validityDays * DAY_MS);
}

/** Whether the holding's units serve a message sent at `sentAt`: purchasedAt <= sentAt < expiresAt. */
export function servesAt(holding: BoltOnHolding, sentAt: string): boolean {
  const at = Date.parse(sentAt);
  return Date.parse(holding.purchasedAt) <= at && (holding.expiresAt === null || at < Date.parse(holding.expiresAt));
}

/**
 * Units for a message sent at `sentAt`, taken from the bolt-ons bought by then and not yet expired, oldest first (ties: purchaseId),
 * spanning bolt-ons if need be; undefined when together they hold too few, so that none are taken.
 */
export function allocateUnits(
  holdings: readonly BoltOnHolding[],
  unitsNeeded: number,
  sentAt: string,
): Allocation[] | undefined {
  const usable = holdings
    .filter((holding) => holding.unitsRemaining > 0 && servesAt(holding, sentAt))
    .sort(oldestFirst);
  if (usable.reduce((sum, holding) => sum + holding.unitsRemaining, 0) < unitsNeeded) return undefined;

  const allocations: Allocation[] = [];
  let outstanding = unitsNeeded;
  for (const holding of usable) {
    if (outstanding === 0) break;
    const units = Math.min(outstanding, holding.unitsRemaining);
    allocations.push({ purchaseId: holding.purchaseId, units, recognisedPence: recognitionOf(holding, units) });
    outstanding -= units;
  }
  return allocations;
}

/** What using `units` more of the bolt-on adds to its recognised revenue. */
function recognitionOf(holding: BoltOnHolding, units: number): number {
  const usedBefore = holding.units - holding.unitsRemaining;
  return (
    recognisedPence(holding.pricePence, holding.units, usedBefore + units) -
    recognisedPence(holding.pricePence, holding.units, usedBefore)
  );
}

function oldestFirst(a: BoltOnHolding, b: BoltOnHolding): number {
  const byTime = Date.parse(a.purchasedAt) - Date.parse(b.purchasedAt);
  if (byTime !== 0) return byTime;
  return a.purchaseId < b.purchaseId ? -1 : a.purchaseId > b.purchaseId ? 1 : 0;
}
