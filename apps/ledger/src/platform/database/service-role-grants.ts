import pg from 'pg';

/** The tables whose rows are facts or bookkeeping of the schema: the service may read them, nothing more. */
const APPEND_ONLY = 'events';
/**
 * The event store's own tables, kept by its append trigger (which runs as the owner), and the record
 * of archived months (written by `ledger -- archive-partition` as the owner).
 */
const EVENT_STORE_OWN = new Set(['event_keys', 'event_streams', 'event_archives']);
const MIGRATIONS_TABLE = 'migrations';

export interface GrantSummary {
  readonly role: string;
  readonly readWrite: string[];
}

/**
 * Gives the service's role what it needs to run and nothing more (docs/CONTRACT.md section 7):
 * connect, SELECT everywhere, INSERT only on the event store (whose trigger keeps its key and head
 * tables as the owner), SELECT/INSERT/UPDATE/DELETE on the read models; no TRUNCATE, no DDL, nothing
 * on a partition directly. Idempotent: run after every `migrate`, it covers new tables.
 */
export async function grantServiceRole(client: pg.ClientBase, role: string): Promise<GrantSummary> {
  const who = pg.escapeIdentifier(role);
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0) throw new Error(`role "${role}" does not exist: create it first (CREATE ROLE ... LOGIN)`);
  const { rows } = await client.query<{ database: string; schema: string }>(
    'SELECT current_database() AS database, current_schema() AS schema',
  );
  const database = pg.escapeIdentifier(rows[0].database);
  const schema = pg.escapeIdentifier(rows[0].schema);
  // Partitions are reached through their parent's rights: none of their own (an event partition, a key partition).
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  );
  const readWrite = tables.rows
    .map((row) => row.name)
    .filter((name) => name !== APPEND_ONLY && name !== MIGRATIONS_TABLE && !EVENT_STORE_OWN.has(name));
  await client.query('BEGIN');
  try {
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${who}`);
    await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${who}`);
    // Start from nothing so that an earlier, wider grant does not survive.
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${who}`);
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${who}`);
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${who}`);
    await client.query(`GRANT INSERT ON ${schema}.${APPEND_ONLY} TO ${who}`);
    for (const table of readWrite) {
      await client.query(`GRANT INSERT, UPDATE, DELETE ON ${schema}.${pg.escapeIdentifier(table)} TO ${who}`);
    }
    await client.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${who}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { role, readWrite };
}
