import { ConcurrencyError } from '@ledger/event-store';

const MAX_ATTEMPTS = 8;

/** Runs a whole decide-and-append again when another writer appended first (optimistic concurrency). */
export async function retryOnConflict<T>(work: () => Promise<T>, onRetry?: (error: ConcurrencyError) => void): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
