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

export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(readonly constraint: string) {
    super(`append lost a race on ${constraint}; reload and decide again`);
  }
}
