import pg from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { ADVISORY_LOCKS } from './advisory-locks.js';

// bigint columns (positions, offsets) arrive as strings; counts and sums are parsed where read.
export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolSettings {
  readonly max: number;
  /** Tells the pools apart in pg_stat_activity. */
  readonly applicationName: string;
  /** Server-side limits on every connection, in ms; 0 leaves Postgres' default (none). */
  readonly statementTimeoutMs: number;
  readonly idleInTransactionTimeoutMs: number;
}

/**
 * On every connection of the service (docs/PERFORMANCE.md):
 * - every statement is planned for the values it is run with (plan_cache_mode). A prepared statement's
 *   generic plan is made once per connection, often while the tables are still small: the priors'
 *   look-up of a fresh store was planned as sequential scans of every key partition and kept, and took
 *   400 ms a slice, up to 10 s, after a few hundred thousand events;
 * - no JIT compilation: a slice's statements are estimated above jit_above_cost from the row counts of
 *   their arrays and JSON documents, and compiling took 100 to 250 ms of a statement that runs in 10.
 */
const CONNECTION_OPTIONS = '-c plan_cache_mode=force_custom_plan -c jit=off';

/** A pool on DATABASE_URL; TLS (sslmode, sslrootcert) is node-postgres' reading of the URL. */
export function createPool(
  databaseUrl: string,
  settings: PoolSettings,
  onConnectionError: (error: Error) => void,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: settings.max,
    application_name: settings.applicationName,
    options: connectionOptions(),
    ...(settings.statementTimeoutMs > 0 ? { statement_timeout: settings.statementTimeoutMs } : {}),
    ...(settings.idleInTransactionTimeoutMs > 0
      ? { idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs }
      : {}),
  });
  // A connection cut while checked out (a Postgres restart, pg_terminate_backend) fails the query in
  // flight; without this listener the client's 'error' event would also crash the process.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', onConnectionError);
  return pool;
}

/** SQLSTATEs of a connection lost or not yet usable (admin or crash shutdown, starting up, read-only standby). */
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '57P03', '25006']);
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The connection failed, not the statement (a failover, a restart): the same work may run again on a new one. */
export function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== undefined && (code.startsWith('08') || CONNECTION_LOST_CODES.has(code) || SOCKET_ERRORS.has(code)))
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message ?? '');
}

/** Every schema change, in order: the app's list of migration classes. */
export type Migrations = readonly (new () => MigrationInterface)[];

/** A role without the rights a pending migration needs: the start stops and says what to run. */
export class MigrationPrivilegeError extends Error {
  override readonly name = 'MigrationPrivilegeError';
}

const INSUFFICIENT_PRIVILEGE = '42501';

/** Creates the database when it is missing, then applies pending migrations. */
export async function migrate(databaseUrl: string, migrations: Migrations): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    migrations: [...migrations],
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.migrations]);
    const applied = await dataSource.runMigrations({ transaction: 'each' }).catch((error: unknown) => {
      if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
      const role = new URL(databaseUrl).username || 'this role';
      throw new MigrationPrivilegeError(
        `${decodeURIComponent(role)} may not apply the pending migrations (${(error as Error).message}): ` +
          'run `npm run ledger -- migrate` as the owner role (MIGRATION_DATABASE_URL) and start with LEDGER_MIGRATE=false',
        { cause: error },
      );
    });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end();
    await dataSource.destroy();
  }
}

async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (error) {
    await probe.end().catch(() => undefined);
    if ((error as { code?: string }).code !== '3D000') throw error;
  }
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    // Another instance created it first (42P04), or at the same moment (23505 on the catalog).
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await admin.end();
  }
}

/** Runs work in one transaction on one pooled connection; a connection that failed is discarded. */
export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return transaction(pool, 'BEGIN', work);
}

/**
 * How the planner is told to run a transaction's statements, set for that transaction only (SET LOCAL,
 * in the BEGIN's round trip). Postgres plans from statistics that trail a table growing as fast as the
 * event store (autovacuum analyses it after a tenth more rows), and chose sequential scans and hash
 * joins of whole tables, or a sort of the whole feed backlog, for statements that touch a few rows.
 * - `keyed`: rating and appending. Every statement reads and writes rows by key, driven by the slice's
 *   own values (an array, a JSON document): index lookups in nested loops, never a scan of a table,
 *   never parallel workers (the cores are the service's and Kafka's).
 * - `ordered`: the feed's next batch, read in index order up to its LIMIT, never sorted.
 */
export type Planning = 'keyed' | 'ordered';

const PLANNER_SETTINGS: Record<Planning, Record<string, string>> = {
  keyed: {
    enable_seqscan: 'off',
    enable_bitmapscan: 'off',
    enable_hashjoin: 'off',
    enable_mergejoin: 'off',
    max_parallel_workers_per_gather: '0',
  },
  ordered: { enable_sort: 'off', enable_bitmapscan: 'off', max_parallel_workers_per_gather: '0' },
};

/**
 * The options every connection of the service starts with; with `planning`, that planning's settings
 * for the whole session too (the bench's ideal append, which runs nothing else on its connections).
 */
export function connectionOptions(planning?: Planning): string {
  const planned = planning
    ? Object.entries(PLANNER_SETTINGS[planning]).map(([name, value]) => `-c ${name}=${value}`)
    : [];
  return [CONNECTION_OPTIONS, ...planned].join(' ');
}

const beginPlanned = (planning: Planning): string =>
  ['BEGIN', ...Object.entries(PLANNER_SETTINGS[planning]).map(([name, value]) => `SET LOCAL ${name} = ${value}`)].join(
    '; ',
  );

/** inTransaction, with the planner told how its statements run (Planning). */
export function inPlannedTransaction<T>(
  pool: pg.Pool,
  planning: Planning,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return transaction(pool, beginPlanned(planning), work);
}

/** Runs reads in one read-only snapshot, so several statements see the same committed state. */
export function inSnapshot<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return transaction(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
}

async function transaction<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
