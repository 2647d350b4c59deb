import type { LedgerEvent } from '@ledger/contracts';
import type { PostgresEventStore, StoredEvent } from '@ledger/event-store';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import { dropWholeLog, wholeLog } from './archived-events.js';
import type { Projection } from './projection.js';
import { PAGE, readModelTables, replayAll, type ReplayProgress } from './projection-replayer.js';

export interface TableDifference {
  table: string;
  onlyLive: number;
  onlyRebuilt: number;
  examples: string[];
}

export interface RebuildReport {
  replayed: number;
  /** Tries it took to take the locks of the swap. */
  swapAttempts: number;
  /** How long the swap held appends (from the events lock granted to the commit). */
  heldMs: number;
}

/** Where the rebuild projects, and where the replaced tables go for the moment of the swap. */
const SHADOW_SCHEMA = 'ledger_rebuild';
const RETIRED_SCHEMA = 'ledger_retired';
/** A catch-up that applied fewer events than this leaves little for the locked one. */
const SMALL_CATCH_UP = 2_000;
const MAX_CATCH_UPS = 20;
const SWAP_ATTEMPTS = 100;

/**
 * Projects the event store into shadow copies of the read models while the service keeps
 * appending and the API keeps reading the live ones, catches up with what was appended meanwhile,
 * then swaps the copies in with one short transaction. Only that transaction blocks: appends
 * wait for it, reads of the read models wait for it, and it gives way (lock_timeout) rather than
 * deadlock with a writer that already reads a read model.
 */
export async function rebuildReadModels(
  client: PoolClient,
  eventStore: PostgresEventStore,
  projections: readonly Projection[],
  onProgress: (progress: ReplayProgress) => void,
): Promise<RebuildReport> {
  const tables = readModelTables(projections);
  await createShadowTables(client, tables);
  // Unqualified names in the projections now resolve to the shadow tables; events stay in public.
  await client.query(`SET search_path = ${SHADOW_SCHEMA}, public`);
  try {
    const whole = await wholeLog(client, eventStore);
    const archived = whole.archives.reduce((sum, archive) => sum + archive.events, 0);
    const live = Number((await client.query<{ total: string }>('SELECT count(*) AS total FROM events')).rows[0].total);
    const total = live + archived;
    const catchUp = new CatchUp(client, whole.eventStore, projections, (replayed) =>
      onProgress({ replayed, total: Math.max(total, replayed) }),
    );
    // Each pass is shorter than the one before while replay outruns ingest; a bound in case it does not.
    for (let passes = 1; (await catchUp.pass()) >= SMALL_CATCH_UP && passes < MAX_CATCH_UPS; passes++);
    for (const table of tables) await client.query(`ANALYZE ${SHADOW_SCHEMA}.${table}`);
    const swapped = await untilLocksGranted("the read models' locks", 50, async () => {
      await catchUp.pass();
      return swapIn(client, tables, catchUp);
    });
    return { replayed: catchUp.replayed, swapAttempts: swapped.attempts, heldMs: swapped.value };
  } finally {
    await client.query('RESET search_path');
    await client.query(`DROP SCHEMA IF EXISTS ${SHADOW_SCHEMA} CASCADE`);
    await dropWholeLog(client);
  }
}

/** Empty copies of the live tables, with their defaults, checks, keys and indexes under the same names. */
async function createShadowTables(client: PoolClient, tables: readonly string[]): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${SHADOW_SCHEMA} CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS ${RETIRED_SCHEMA} CASCADE`);
  await client.query(`CREATE SCHEMA ${SHADOW_SCHEMA}`);
  for (const table of tables) {
    await client.query(
      `CREATE TABLE ${SHADOW_SCHEMA}.${table} (LIKE public.${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
    const keys = await client.query<{ name: string; definition: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname`,
      [`public.${table}`],
    );
    for (const { name, definition } of keys.rows)
      await client.query(`ALTER TABLE ${SHADOW_SCHEMA}.${table} ADD CONSTRAINT ${name} ${definition}`);
    const indexes = await client.query<{ definition: string }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
        WHERE i.indrelid = $1::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY i.indexrelid`,
      [`public.${table}`],
    );
    for (const { definition } of indexes.rows)
      await client.query(definition.replace(` ON public.${table} `, ` ON ${SHADOW_SCHEMA}.${table} `));
  }
}

/**
 * One swap attempt: appends held (EXCLUSIVE on events), the last events projected, the live tables
 * replaced. Returns how long appends were held, or null when a lock was not granted in time, with
 * nothing changed.
 */
async function swapIn(client: PoolClient, tables: readonly string[], catchUp: CatchUp): Promise<number | null> {
  await client.query('BEGIN');
  let held: number;
  try {
    // Waiting for the appends in flight cannot deadlock: nothing else is held yet.
    await client.query(`SET LOCAL lock_timeout = '2s'`);
    await client.query('LOCK TABLE public.events IN EXCLUSIVE MODE');
    held = performance.now();
    // A writer may hold a read model and wait for events behind us: give way well before deadlock_timeout.
    await client.query(`SET LOCAL lock_timeout = '200ms'`);
    await client.query(`LOCK TABLE ${tables.map((table) => `public.${table}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    await catchUp.pass({ final: true });
    await client.query(`CREATE SCHEMA ${RETIRED_SCHEMA}`);
    for (const table of tables) {
      await client.query(`ALTER TABLE public.${table} SET SCHEMA ${RETIRED_SCHEMA}`);
      await client.query(`ALTER TABLE ${SHADOW_SCHEMA}.${table} SET SCHEMA public`);
    }
    await client.query('COMMIT');
    held = performance.now() - held;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    catchUp.rolledBack();
    if ((error as { code?: string }).code === '55P03') return null;
    throw error;
  }
  await dropRetired(client, tables);
  return Math.round(held);
}

/**
 * Drops the replaced tables one at a time, each giving way on a short lock timeout and tried again.
 * A writer whose prepared statement was planned before the swap locks the retired tables it named
 * (to find its plan stale) one after another; one `DROP SCHEMA … CASCADE` locking them all in
 * another order deadlocked with such a writer (Postgres logged `deadlock detected` and the rebuild
 * failed after its swap had committed).
 */
async function dropRetired(client: PoolClient, tables: readonly string[]): Promise<void> {
  for (const table of tables)
    await untilLocksGranted(`the retired ${table}`, 20, async () => {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '200ms'`);
        await client.query(`DROP TABLE IF EXISTS ${RETIRED_SCHEMA}.${table} CASCADE`);
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((error as { code?: string }).code === '55P03') return null;
        throw error;
      }
    });
  await client.query(`DROP SCHEMA ${RETIRED_SCHEMA} CASCADE`);
}

/**
 * Runs an attempt until it is granted its locks (it returns null when a lock timed out, having
 * changed nothing), waiting a little longer after each refusal; gives up after SWAP_ATTEMPTS.
 */
async function untilLocksGranted<T>(
  what: string,
  stepMs: number,
  attempt: () => Promise<T | null>,
): Promise<{ value: T; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const value = await attempt();
    if (value !== null) return { value, attempts };
    if (attempts >= SWAP_ATTEMPTS) throw new Error(`could not take ${what} in ${SWAP_ATTEMPTS} tries`);
    await new Promise((resolve) => setTimeout(resolve, stepMs * Math.min(attempts, 10)));
  }
}

/**
 * Projects the events appended since the last pass. An append commits in its own time, so a
 * position below the last one seen may still appear: each gap is looked for again on every pass
 * until every transaction that could have held it has ended (the snapshot's xmin passed it).
 */
class CatchUp {
  replayed = 0;
  private position = 0n;
  /** Positions not seen yet, each with the next transaction id at the pass that found it. */
  private gaps = new Map<bigint, bigint>();
  private saved: { replayed: number; position: bigint; gaps: Map<bigint, bigint> } | null = null;

  constructor(
    private readonly client: PoolClient,
    private readonly eventStore: PostgresEventStore,
    private readonly projections: readonly Projection[],
    private readonly onProgress: (replayed: number) => void,
  ) {}

  /** Applies what is new since the last pass; returns how many events. The final pass runs with appends held. */
  async pass(options: { final?: boolean } = {}): Promise<number> {
    if (options.final) this.saved = { replayed: this.replayed, position: this.position, gaps: new Map(this.gaps) };
    const xmin = await this.snapshotBound('xmin');
    let applied = 0;
    if (this.gaps.size > 0) {
      // In one read and one apply, in global order: one at a time, a slice in flight at the last pass
      // (1,500 late events) held appends for over a second in the final pass.
      const late = await this.eventStore.readPositions(this.client, [...this.gaps.keys()]);
      if (late.length > 0) await this.apply(late);
      for (const event of late) this.gaps.delete(event.globalPosition);
      applied += late.length;
      // With appends held no transaction is in flight: every gap left is a rolled-back append.
      for (const [position, horizon] of this.gaps) if (options.final || horizon <= xmin) this.gaps.delete(position);
    }
    for (;;) {
      const page = await this.eventStore.readAll(this.client, this.position, PAGE);
      if (page.length === 0) break;
      // Taken after the read: whatever holds a position skipped here already has a transaction id below it.
      const xmax = options.final ? 0n : await this.snapshotBound('xmax');
      for (const stored of page) {
        for (let missing = this.position + 1n; missing < stored.globalPosition; missing++)
          if (!options.final) this.gaps.set(missing, xmax);
        this.position = stored.globalPosition;
      }
      await this.apply(page);
      applied += page.length;
    }
    return applied;
  }

  private async snapshotBound(bound: 'xmin' | 'xmax'): Promise<bigint> {
    const result = await this.client.query<{ bound: string }>(
      `SELECT pg_snapshot_${bound}(pg_current_snapshot())::text AS bound`,
    );
    return BigInt(result.rows[0].bound);
  }

  /** A final pass whose transaction rolled back applied nothing: forget it. */
  rolledBack(): void {
    if (!this.saved) return;
    ({ replayed: this.replayed, position: this.position, gaps: this.gaps } = this.saved);
    this.saved = null;
  }

  private async apply(page: readonly StoredEvent[]): Promise<void> {
    const recorded = page.map((stored) => ({
      globalPosition: stored.globalPosition,
      event: { type: stored.type, data: stored.data } as LedgerEvent,
    }));
    for (const projection of this.projections) await projection.apply(this.client, recorded);
    this.replayed += page.length;
    this.onProgress(this.replayed);
  }
}

/**
 * Projects the event store into session-private copies of the read models (temporary tables
 * shadow the live ones in this session) and lists every row that differs from the live tables.
 * It runs in one repeatable-read snapshot, so a service that keeps consuming cannot skew it.
 */
export async function verifyReadModels(
  client: PoolClient,
  eventStore: PostgresEventStore,
  projections: readonly Projection[],
  onProgress: (progress: ReplayProgress) => void,
): Promise<TableDifference[]> {
  const tables = readModelTables(projections);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    // Only session-private temporary tables are written; the transaction is rolled back at the end.
    for (const table of tables) {
      await client.query(`CREATE TEMP TABLE ${table} (LIKE public.${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
    }
    // Made inside this transaction: the rollback at the end removes it.
    const whole = await wholeLog(client, eventStore);
    await replayAll(client, whole.eventStore, projections, onProgress);
    const differences: TableDifference[] = [];
    for (const table of tables) {
      const onlyLive = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM (SELECT * FROM public.${table} EXCEPT SELECT * FROM pg_temp.${table}) t`,
      );
      const onlyRebuilt = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM (SELECT * FROM pg_temp.${table} EXCEPT SELECT * FROM public.${table}) t`,
      );
      if (onlyLive.rows.length + onlyRebuilt.rows.length > 0) {
        differences.push({
          table,
          onlyLive: onlyLive.rows.length,
          onlyRebuilt: onlyRebuilt.rows.length,
          examples: [
            ...onlyLive.rows.slice(0, 5).map(({ row }) => `live only:    ${row}`),
            ...onlyRebuilt.rows.slice(0, 5).map(({ row }) => `rebuilt only: ${row}`),
          ],
        });
      }
    }
    await client.query('ROLLBACK');
    return differences;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
