import type { PoolClient } from 'pg';
import { ADVISORY_LOCKS } from './advisory-locks.js';

/** The advisory lock that orders closes of accounting periods against everything that projects. */
export const PERIOD_LOCK = ADVISORY_LOCKS.periods;

/**
 * Taken in share mode at the start of every transaction that appends and projects events, before
 * the append: a close (exclusive) then waits for them, and they see every close committed before them,
 * so an event's place in the log and the closes it was projected against agree (docs/CONTRACT.md section 9).
 *
 * In the same statement, after it, the heads of the streams the transaction will append to
 * (`event_streams_lock`, in stream order), before anything reads them: every writer (an ingest slice,
 * an API purchase, a replay, a rerating batch) then takes its streams in one order, so writers that
 * share a subscriber queue behind each other instead of deciding on the same head, losing the append
 * race or deadlocking on each other's heads.
 */
export async function holdPeriodsOpen(client: PoolClient, streamIds: readonly string[]): Promise<void> {
  await client.query({
    name: 'period-lock-shared-heads',
    text: 'SELECT pg_advisory_xact_lock_shared($1::bigint) IS NOT NULL AS periods_held, event_streams_lock($2::text[])',
    values: [PERIOD_LOCK, streamIds],
  });
}

/** Taken by a close of a period: no transaction projects while the close is recorded. */
export async function lockPeriodsForClose(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [PERIOD_LOCK]);
}
