import type { PostgresEventStore } from '@ledger/event-store';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Projection } from './projection.js';
import { readModelTables, replayAll, type ReplayProgress } from './projection-replayer.js';

export interface TableDifference {
  table: string;
  onlyLive: number;
  onlyRebuilt: number;
  examples: string[];
}

/**
 * Empties every read model and projects the event store again, in one transaction. The
 * service can keep running: its writes wait on the table locks until the rebuild commits.
 */
export async function rebuildReadModels(
  client: PoolClient,
  eventStore: PostgresEventStore,
  projections: readonly Projection[],
  onProgress: (progress: ReplayProgress) => void,
): Promise<number> {
  const tables = readModelTables(projections);
  await client.query('BEGIN');
  try {
    // The events table is locked too, so that no append lands between the replay and the commit.
    await client.query(`LOCK TABLE events, ${tables.join(', ')} IN EXCLUSIVE MODE`);
    await client.query(`TRUNCATE ${tables.join(', ')}`);
    const replayed = await replayAll(client, eventStore, projections, onProgress);
    await client.query('COMMIT');
    return replayed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
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
    await replayAll(client, eventStore, projections, onProgress);
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
