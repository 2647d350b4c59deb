import { LedgerError, type ConcurrencyErrorCode, type EventStoreErrorCode } from '@ledger/contracts';

/** An event about to be appended: its stream position is decided by the writer. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly type: TType;
  readonly idempotencyKey: string;
  readonly data: TData;
}

/** An event as the store holds it. */
export interface StoredEvent<TType extends string = string, TData = unknown> extends NewEvent<TType, TData> {
  readonly globalPosition: bigint;
  readonly recordedAt: Date;
}

/** Another writer appended at the same stream version (or idempotency key) first: reload and decide again. */
export class ConcurrencyError extends LedgerError {
  declare readonly code: ConcurrencyErrorCode;

  constructor(readonly constraint: string) {
    super('CONCURRENCY_CONFLICT', `append lost a race on ${constraint}; reload and decide again`);
  }
}

/**
 * An input repeats an idempotency key whose event was archived with its month: the key stays taken
 * (nothing is counted twice), but the first outcome is no longer in the live store to compare with.
 */
export class ArchivedEventError extends LedgerError {
  declare readonly code: EventStoreErrorCode;

  constructor(readonly idempotencyKey: string) {
    super('ARCHIVED_EVENT', `${idempotencyKey} was recorded in a month since archived; the first stands`);
  }
}
