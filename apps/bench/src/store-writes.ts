import type pg from 'pg';

/** What one table took in a drain: rows inserted, updated (HOT or not), deleted, and btree entries added. */
export interface TableWrites {
  readonly table: string;
  readonly inserted: number;
  readonly updated: number;
  readonly hotUpdated: number;
  readonly deleted: number;
  /** Each btree index takes an entry per inserted row and per update that is not HOT. */
  readonly btreeEntries: number;
  readonly btreeIndexes: number;
}

/**
 * Rows and index entries the drain wrote, from Postgres's own counters (pg_stat_user_tables) of the
 * drain's database: read after the feed is empty, so the relay's deletes are in. Counters reach the
 * statistics within a second of each transaction; the bench reads them after that.
 */
export async function storeWrites(pool: pg.Pool): Promise<TableWrites[]> {
  const result = await pool.query<{
    table: string;
    inserted: string;
    updated: string;
    hot: string;
    deleted: string;
    btrees: number;
  }>(
    `SELECT t.relname AS table, t.n_tup_ins::text AS inserted, t.n_tup_upd::text AS updated,
            t.n_tup_hot_upd::text AS hot, t.n_tup_del::text AS deleted,
            (SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
              WHERE i.indrelid = t.relid AND a.amname = 'btree') AS btrees
     FROM pg_stat_user_tables t
     WHERE t.n_tup_ins + t.n_tup_upd + t.n_tup_del > 0
     ORDER BY t.relname`,
  );
  return result.rows.map((row) => {
    const inserted = Number(row.inserted);
    const updated = Number(row.updated);
    const hotUpdated = Number(row.hot);
    return {
      table: row.table,
      inserted,
      updated,
      hotUpdated,
      deleted: Number(row.deleted),
      btreeIndexes: row.btrees,
      btreeEntries: row.btrees * (inserted + updated - hotUpdated),
    };
  });
}
