import type { Allocation, BoltOnPurchased, LedgerEvent, MessageRerated } from '@ledger/contracts';
import { RatingInvariantError } from '../rating.errors.js';

/** A bolt-on the subscriber bought, and what is left of it. */
export interface BoltOnHolding {
  readonly purchaseId: string;
  readonly boltOn: string;
  readonly units: number;
  readonly unitsRemaining: number;
  readonly pricePence: number;
  readonly purchasedAt: string;
  /** When its units stop serving (exclusive); null: never. */
  readonly expiresAt: string | null;
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
      return useAllocations(state, event.data.allocations);
    case 'MessageRerated':
      return reallocate(state, event);
    case 'MessageRecorded':
    case 'MessageRejected':
    case 'BoltOnPurchaseRejected':
      return state;
  }
}

/** The state once a message took these units; a holding may never go below zero. */
export function useAllocations(state: SubscriberState, allocations: readonly Allocation[]): SubscriberState {
  return allocations.reduce(useUnits, state);
}

function holdingOf(state: SubscriberState, { data }: BoltOnPurchased): BoltOnHolding {
  if (state.boltOns.some((holding) => holding.purchaseId === data.purchaseId)) {
    throw new RatingInvariantError(
      'INCONSISTENT_STREAM',
      `bolt-on ${data.purchaseId} is already held by ${state.msisdn}`,
    );
  }
  const { purchaseId, boltOn, units, pricePence, purchasedAt } = data;
  return {
    purchaseId,
    boltOn,
    units,
    unitsRemaining: units,
    pricePence,
    purchasedAt,
    expiresAt: data.expiresAt ?? null,
  };
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

/**
 * Gives back the units a rerated message held and takes those it holds now. A run re-sequences units
 * across its messages, so one holding may dip below zero between two of the run's events; the run as
 * a whole always leaves it whole, and rerate folds each message's current outcome in the ledger's order instead.
 */
function reallocate(state: SubscriberState, { data }: MessageRerated): SubscriberState {
  const change = new Map<string, number>();
  for (const { purchaseId, units } of data.before.allocations)
    change.set(purchaseId, (change.get(purchaseId) ?? 0) + units);
  for (const { purchaseId, units } of data.after.allocations)
    change.set(purchaseId, (change.get(purchaseId) ?? 0) - units);
  for (const purchaseId of change.keys()) {
    if (!state.boltOns.some((holding) => holding.purchaseId === purchaseId)) {
      throw new RatingInvariantError(
        'INCONSISTENT_STREAM',
        `message ${data.message.messageId} was rerated onto bolt-on ${purchaseId}, which ${state.msisdn} does not hold`,
      );
    }
  }
  return {
    ...state,
    boltOns: state.boltOns.map((holding) => {
      const units = change.get(holding.purchaseId);
      return units ? { ...holding, unitsRemaining: holding.unitsRemaining + units } : holding;
    }),
  };
}
