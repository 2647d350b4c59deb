/** Errors a broker gives about a topic created a moment ago (by this instance or another) that it does not know yet. */
const PROPAGATING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Runs `work` again while a broker does not know the topics yet, for up to 30 s. On a cluster, a
 * topic another instance has just created reaches each broker's metadata a moment later: an
 * instance started alongside (test/faults/high-availability.test.ts starts two) found the topics
 * existing, then was told by another broker that they did not, and stopped at boot.
 */
export async function whileTopicsPropagate<T>(
  work: () => Promise<T>,
  onRetry: (error: Error) => void,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === undefined || !PROPAGATING.has(type) || Date.now() > deadline) throw error;
      onRetry(error as Error);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
