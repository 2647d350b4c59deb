import type { PoolClient } from 'pg';
import { ADVISORY_LOCKS } from './advisory-locks.js';

/** The advisory lock that orders closes of accounting periods against everything that projects. */
export const PERIOD_LOCK = ADVISORY_LOCKS.periods;

/**
 * Taken in share mode at the start of every transaction that appends and projects events, before
 * the append: a close (exclusive) then waits for them, and they see every close committed before them,
 * so an event's place in the log and the closes it was projected against agree (docs/CONTRACT.md section 9).
 */
export async function holdPeriodsOpen(client: PoolClient): Promise<void> {
  await client.query({
    name: 'period-lock-shared',
    text: 'SELECT pg_advisory_xact_lock_shared($1)',
    values: [PERIOD_LOCK],
  });
}

/** Taken by a close of a period: no transaction projects while the close is recorded. */
export async function lockPeriodsForClose(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [PERIOD_LOCK]);
}
