/**
 * Every Postgres advisory lock the ledger takes, in one place: two locks that share a key wait on
 * each other (a relay that holds its lock for ever would stop every writer), so a new one goes here.
 */
export const ADVISORY_LOCKS = {
  /** One rated-feed relay per database. */
  ratedFeedRelay: 74_000_001,
  /** Serialises the migrations of instances that start together. */
  migrations: 74_000_002,
  /** One dead-letter relay per database. */
  deadLetterRelay: 74_000_003,
  /** Orders closes of accounting periods against everything that projects. */
  periods: 74_000_004,
} as const;

export type AdvisoryLockKey = (typeof ADVISORY_LOCKS)[keyof typeof ADVISORY_LOCKS];
