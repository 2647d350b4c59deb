import type { Pool, PoolClient } from './database.js';
import type { AdvisoryLockKey } from './advisory-locks.js';

/**
 * Whether the lock is held: `kept` since the last call, `taken` afresh (whatever was built under an
 * earlier hold is stale: another holder may have worked in between), or `not-held`.
 */
export type LockHold = 'kept' | 'taken' | 'not-held';

/**
 * A session-level advisory lock held on a connection of its own, for a role only one instance of
 * the database may play at a time (a relay). Losing the connection loses the lock.
 */
export class AdvisoryLockHolder {
  private client: PoolClient | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly key: AdvisoryLockKey,
  ) {}

  get held(): boolean {
    return this.client !== null;
  }

  /** Checks the connection that holds the lock, or tries to take it; throws when Postgres cannot answer. */
  async hold(): Promise<LockHold> {
    if (this.client) {
      try {
        await this.client.query('SELECT 1');
        return 'kept';
      } catch {
        this.release();
      }
    }
    const client = await this.pool.connect();
    // The lock's connection may drop at any time; on a pool that gives its clients no listener, that would throw.
    const ignoreLoss = (): void => undefined;
    client.on('error', ignoreLoss);
    try {
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key]);
      if (!result.rows[0].locked) {
        client.removeListener('error', ignoreLoss);
        client.release();
        return 'not-held';
      }
    } catch (error) {
      // A connection whose query failed goes, not back to the pool: it may hold the lock after all.
      client.release(true);
      throw error;
    }
    this.client = client;
    return 'taken';
  }

  release(): void {
    // Closing the session releases its advisory lock.
    this.client?.release(true);
    this.client = null;
  }
}
