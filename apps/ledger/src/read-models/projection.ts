import type { FinanceEvent, LedgerEvent } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import { runWrites, type Write } from './writes.js';

/** A ledger event (a subscriber's, or the finance stream's) with its place in the log. */
export interface RecordedEvent {
  readonly globalPosition: bigint;
  readonly event: LedgerEvent | FinanceEvent;
}

/** What the caller has already read in this transaction, so that a projection need not read it again. */
export interface ProjectionContext {
  /** The newest closed accounting period, read after the periods lock was taken (null: none closed). */
  readonly closedThrough?: string | null;
}

/**
 * A read model fed from the event store. Its writes run inside the transaction that appends the
 * events, so the model never drifts from the log; a rebuild truncates its `tables` and replays the log.
 * `plan` may read (in that transaction) but does not write: it returns the statements, which the
 * caller runs together with the other models' (runWrites), in as few round trips as they allow.
 */
export interface Projection {
  readonly name: string;
  readonly tables: readonly string[];
  plan(client: PoolClient, events: readonly RecordedEvent[], context?: ProjectionContext): Promise<Write[]>;
  apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');

/** Plans every projection's writes for the events, then runs them with the caller's own `after` writes. */
export async function project(
  client: PoolClient,
  projections: readonly Projection[],
  events: readonly RecordedEvent[],
  context: ProjectionContext = {},
  after: readonly Write[] = [],
): Promise<void> {
  const writes: Write[] = [];
  for (const projection of projections) writes.push(...(await projection.plan(client, events, context)));
  await runWrites(client, [...writes, ...after]);
}
