import type { FinanceEvent, LedgerEvent } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';

/** A ledger event (a subscriber's, or the finance stream's) with its place in the log. */
export interface RecordedEvent {
  readonly globalPosition: bigint;
  readonly event: LedgerEvent | FinanceEvent;
}

/**
 * A read model fed from the event store. `apply` runs inside the transaction that appends the
 * events, so the model never drifts from the log; a rebuild truncates its `tables` and replays the log.
 */
export interface Projection {
  readonly name: string;
  readonly tables: readonly string[];
  apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
