/** Inputs the rules reject because the tariff cannot answer them: the input is set aside, the batch goes on. */
export type RatingRejectionCode = 'NO_PAYG_PRICE';

/** Broken promises inside the ledger (a corrupt stream, a misrouted command): the slice must stop, loudly. */
export type RatingInvariantCode = 'WRONG_SUBSCRIBER' | 'INVALID_RECOGNITION' | 'INCONSISTENT_STREAM';

/** The tariff data or its file is unusable. */
export type TariffErrorCode = 'INVALID_TARIFF' | 'UNREADABLE_TARIFF_FILE';

/** The event store's optimistic append lost a race. */
export type ConcurrencyErrorCode = 'CONCURRENCY_CONFLICT';

/** An input repeats an idempotency key whose event was archived with its month. */
export type EventStoreErrorCode = 'ARCHIVED_EVENT';

/** A setting of the environment is missing or bad at boot. */
export type ConfigurationErrorCode = 'INVALID_CONFIGURATION';

/** A rerating run that does not exist, or a tariff that cannot decide every message of one again. */
export type ReratingErrorCode = 'RERATING_RUN_NOT_FOUND' | 'TARIFF_CANNOT_RERATE';

export type LedgerErrorCode =
  | RatingRejectionCode
  | RatingInvariantCode
  | TariffErrorCode
  | ConcurrencyErrorCode
  | EventStoreErrorCode
  | ConfigurationErrorCode
  | ReratingErrorCode;

/**
 * The one base of the ledger's domain errors: `code` is stable and typed, the message says what and why.
 * Not generic, so that `instanceof` narrows to a typed code; each subclass narrows `code` to its own union.
 */
export abstract class LedgerError extends Error {
  protected constructor(
    readonly code: LedgerErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    // The subclass's name, so logs and stack traces say which kind of failure it was.
    this.name = new.target.name;
  }
}
