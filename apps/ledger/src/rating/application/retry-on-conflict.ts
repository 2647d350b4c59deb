import { ConcurrencyError } from '@ledger/event-store';

const MAX_ATTEMPTS = 8;
/** Postgres' own answers to two writers crossing: deadlock detected, serialization failure. */
const TRANSIENT_CODES = new Set(['40P01', '40001']);

const isRetryable = (error: unknown): boolean =>
  error instanceof ConcurrencyError || TRANSIENT_CODES.has((error as { code?: string } | null)?.code ?? '');

/** Runs a whole decide-and-append again when another writer appended first (optimistic concurrency). */
export async function retryOnConflict<T>(work: () => Promise<T>, onRetry?: (error: Error) => void): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
      onRetry?.(error as Error);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
