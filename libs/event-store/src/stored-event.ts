import { LedgerError, type ConcurrencyErrorCode } from '@ledger/contracts';

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
