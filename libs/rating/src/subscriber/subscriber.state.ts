import type { Allocation, BoltOnPurchased, LedgerEvent } from '@ledger/contracts';
import { RatingInvariantError } from '../rating.errors.js';

/** A bolt-on the subscriber bought, and what is left of it. */
export interface BoltOnHolding {
  readonly purchaseId: string;
  readonly boltOn: string;
  readonly units: number;
  readonly unitsRemaining: number;
  readonly pricePence: number;
  readonly purchasedAt: string;
}

/** The fold of one subscriber's stream: what the rules need to rate the next command. */
export interface SubscriberState {
  readonly msisdn: string;
  readonly boltOns: readonly BoltOnHolding[];
}

export function initialSubscriberState(msisdn: string): SubscriberState {
  return { msisdn, boltOns: [] };
}

export function evolve(state: SubscriberState, event: LedgerEvent): SubscriberState {
  switch (event.type) {
    case 'BoltOnPurchased':
      return { ...state, boltOns: [...state.boltOns, holdingOf(state, event)] };
    case 'MessageCharged':
      return event.data.allocations.reduce(useUnits, state);
    case 'MessageRecorded':
    case 'MessageRejected':
    case 'BoltOnPurchaseRejected':
      return state;
  }
}

function holdingOf(state: SubscriberState, { data }: BoltOnPurchased): BoltOnHolding {
  if (state.boltOns.some((holding) => holding.purchaseId === data.purchaseId)) {
    throw new RatingInvariantError(
      'INCONSISTENT_STREAM',
      `bolt-on ${data.purchaseId} is already held by ${state.msisdn}`,
    );
  }
  const { purchaseId, boltOn, units, pricePence, purchasedAt } = data;
  return { purchaseId, boltOn, units, unitsRemaining: units, pricePence, purchasedAt };
}

function useUnits(state: SubscriberState, allocation: Allocation): SubscriberState {
  const holding = state.boltOns.find((candidate) => candidate.purchaseId === allocation.purchaseId);
  if (!holding || holding.unitsRemaining < allocation.units) {
    // Units never go negative: a stream that says otherwise is corrupt, not something to fold over.
    throw new RatingInvariantError(
      'INCONSISTENT_STREAM',
      `allocation of ${allocation.units} units from bolt-on ${allocation.purchaseId} exceeds what ${state.msisdn} holds`,
    );
  }
  const used = { ...holding, unitsRemaining: holding.unitsRemaining - allocation.units };
  return { ...state, boltOns: state.boltOns.map((candidate) => (candidate === holding ? used : candidate)) };
}
