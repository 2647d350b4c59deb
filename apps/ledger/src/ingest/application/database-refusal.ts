import { ArchivedEventError, ConcurrencyError } from '@ledger/event-store';

/**
 * SQLSTATE classes that say the data itself cannot be kept (22 data exception, 23 integrity
 * constraint, 54 program limit exceeded): the same statement would fail again, so one record is at fault.
 */
const REFUSING_CLASSES = new Set(['22', '23', '54']);
/** Unique violations that mean another writer got there first: a lost race, decided again, never a rejection. */
const LOST_RACE_CONSTRAINTS = new Set([
  'events_stream_version_key',
  'events_idempotency_key_key',
  'rejections_once_per_record',
]);

/**
 * Why Postgres refused a statement when the data is at fault, or null when the failure is
 * transient or not the data's (a lost connection 08, a serialisation failure or deadlock 40, an
 * administrator's shutdown 57, a lost race, a bug): those are retried, never pinned on a record.
 */
export function databaseRefusal(error: unknown): string | null {
  if (error instanceof ArchivedEventError) return error.message;
  if (error instanceof ConcurrencyError || typeof error !== 'object' || error === null) return null;
  const { code, message, constraint } = error as { code?: unknown; message?: unknown; constraint?: unknown };
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  if (!REFUSING_CLASSES.has(code.slice(0, 2))) return null;
  if (code === '23505' && typeof constraint === 'string' && LOST_RACE_CONSTRAINTS.has(constraint)) return null;
  return `the database could not keep it: ${code} ${String(message)}`;
}
