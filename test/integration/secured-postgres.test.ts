import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@ledger/contracts';
import pg from 'pg';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  messageSent,
  upstream,
  type Environment,
  type RunningLedger,
} from '../support/ledger-harness.js';
import { startScopedLedger } from '../support/scoped-ledger.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { runLedgerCli } from '../support/service-process.js';
import { makeTestCa } from '../support/test-certificates.js';

// A private Postgres that speaks TLS only (hostssl lines, scram-sha-256), with an owner role that
// runs the migrations and a service role that may read and append but never rewrite the log.
let server: PrivatePostgres;
let scratch: string;
const OWNER = { user: 'ledger_owner', password: 'owner-password-4f1c9a' };
const SERVICE = { user: 'ledger_app', password: 'service-password-8b2e7d' };
const DATABASE = 'ledger_secured';

function urlAs(role: { user: string; password: string }, database = DATABASE, query?: Record<string, string>): string {
  const url = new URL(server.url(database, query));
  url.username = role.user;
  url.password = role.password;
  return url.toString();
}

async function asRole<T>(
  role: { user: string; password: string },
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: urlAs(role) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function sqlError(
  role: { user: string; password: string },
  sql: string,
): Promise<{ code?: string; message: string }> {
  return asRole(role, async (client) => {
    try {
      await client.query(sql);
    } catch (error) {
      return error as { code?: string; message: string };
    }
    throw new Error(`${role.user} was allowed: ${sql}`);
  });
}

function environmentOn(label: string, databaseUrl: string, extra: Record<string, string> = {}): Environment {
  const environment = isolatedEnvironment(label);
  Object.assign(environment.env, { DATABASE_URL: databaseUrl, ...extra });
  return environment;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'ledger-secured-pg-'));
  server = await startPrivatePostgres();
  const superuser = new pg.Client({ connectionString: server.url() });
  await superuser.connect();
  try {
    await superuser.query(`CREATE ROLE ${OWNER.user} LOGIN PASSWORD '${OWNER.password}'`);
    await superuser.query(`CREATE ROLE ${SERVICE.user} LOGIN PASSWORD '${SERVICE.password}'`);
    await superuser.query(`CREATE DATABASE ${DATABASE} OWNER ${OWNER.user}`);
    // Nobody but the owner connects until `grant` says so.
    await superuser.query(`REVOKE ALL ON DATABASE ${DATABASE} FROM PUBLIC`);
  } finally {
    await superuser.end();
  }
}, 120000);

afterAll(() => {
  server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the service against Postgres with sslmode=verify-full', () => {
  it('migrates through TypeORM and serves through the pool, every connection over TLS', async () => {
    const url = await server.createDatabase('ledger_tls_service');
    const ledger = await startScopedLedger(environmentOn('pgtls', url));
    try {
      await eventually(async () => expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200));
      expect((await apiClient(ledger.url).get('/v1/subscribers/447700900901/balance')).status).toBe(200);
      const sessions = new pg.Client({ connectionString: server.url() });
      await sessions.connect();
      try {
        const { rows } = await sessions.query<{ ssl: boolean }>(
          `SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
            WHERE a.datname = 'ledger_tls_service' AND a.pid <> pg_backend_pid()`,
        );
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((row) => row.ssl)).toBe(true);
      } finally {
        await sessions.end();
      }
    } finally {
      await ledger.close();
    }
  });

  it('refuses to start when the server certificate is not signed by sslrootcert', async () => {
    const other = makeTestCa(scratch, 'not-the-server-ca');
    const url = server.url('ledger_tls_service', { sslrootcert: other.certFile });
    await expect(startScopedLedger(environmentOn('pgtlsbadca', url))).rejects.toThrow(
      /self-signed certificate in certificate chain|unable to verify/,
    );
  });
});

describe('least privilege: an owner role migrates, the service role only reads and appends', () => {
  it('`ledger -- migrate` applies the migrations as the owner, alone, and is idempotent', async () => {
    const environment = environmentOn('migrate', urlAs(SERVICE), { MIGRATION_DATABASE_URL: urlAs(OWNER) });
    const first = await runLedgerCli(environment, ['migrate']);
    expect(first.output).toContain('applied migrations: CreateEventStore1700000000000');
    expect(first.code).toBe(0);
    const again = await runLedgerCli(environment, ['migrate']);
    expect(again.code).toBe(0);
    expect(again.output).toContain('no pending migrations');
    const owner = await asRole(OWNER, (client) =>
      client.query<{ tableowner: string }>(`SELECT tableowner FROM pg_tables WHERE tablename = 'events'`),
    );
    expect(owner.rows).toEqual([{ tableowner: OWNER.user }]);
  });

  it('`ledger -- grant` gives the service role what it needs and no more', async () => {
    const environment = environmentOn('grant', urlAs(SERVICE), { MIGRATION_DATABASE_URL: urlAs(OWNER) });
    const granted = await runLedgerCli(environment, ['grant', SERVICE.user]);
    expect(granted.output).toContain(`granted ${SERVICE.user}`);
    expect(granted.code).toBe(0);
    const bad = await runLedgerCli(environment, ['grant', 'no_such_role']);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('role "no_such_role" does not exist');
  });

  it.each([
    ['UPDATE', `UPDATE events SET event_type = 'x'`],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events'],
    ['ALTER TABLE ... DISABLE TRIGGER', 'ALTER TABLE events DISABLE TRIGGER events_append_only'],
    ['DROP TABLE', 'DROP TABLE events'],
    ['CREATE TABLE', 'CREATE TABLE sneaky (id int)'],
    ['UPDATE on the migrations table', `UPDATE migrations SET name = 'x'`],
    ['INSERT into a partition directly', `INSERT INTO events_default SELECT * FROM events LIMIT 0`],
    ['DELETE from a partition', 'DELETE FROM events_default'],
    ['TRUNCATE of a partition', 'TRUNCATE events_default'],
    ['DELETE on the idempotency keys', 'DELETE FROM event_keys'],
    ['INSERT of an idempotency key', `INSERT INTO event_keys VALUES ('sneaky', 1, now())`],
    ['UPDATE of a stream head', 'UPDATE event_streams SET version = 1'],
    ['DELETE of a stream head', 'DELETE FROM event_streams'],
    ['UPDATE of the archive record', 'UPDATE event_archives SET restored_at = now()'],
    [
      'naming a partition of its own',
      `SELECT events_create_partition('events_sneaky', now(), now() + interval '1 day')`,
    ],
  ])('Postgres refuses %s on the event store to the service role', async (_what, sql) => {
    const error = await sqlError(SERVICE, sql);
    expect(error.code).toBe('42501');
  });

  it('the service role may append to the event store and read it', async () => {
    await asRole(SERVICE, async (client) => {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data)
         VALUES ('test-stream', 1, 'Probe', 'probe-1', '{}')`,
      );
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM events');
      expect(Number(rows[0].n)).toBeGreaterThan(0);
      await client.query('ROLLBACK');
    });
  });

  it('the trigger still refuses TRUNCATE to the owner, as a second line', async () => {
    const error = await sqlError(OWNER, 'TRUNCATE events');
    expect(error.message).toContain('append-only');
  });

  it('the service works end to end as that role, with LEDGER_MIGRATE=false', async () => {
    const environment = environmentOn('asservice', urlAs(SERVICE), { LEDGER_MIGRATE: 'false' });
    let ledger: RunningLedger | undefined;
    const network = await upstream();
    try {
      ledger = await startScopedLedger(environment);
      const api = apiClient(ledger.url);
      await eventually(async () => expect((await apiClient(ledger!.url, null).get('/health')).status).toBe(200));
      const msisdn = '447700900902';
      const message = messageSent({ sender: { msisdn, network: 'O2-UK' } });
      await network.send(environment.topic(TOPICS.messageSent), [{ key: msisdn, value: JSON.stringify(message) }]);
      await network.send(environment.topic(TOPICS.messageSent), [{ key: msisdn, value: 'not json' }]);
      await eventually(
        async () => expect((await api.get(`/v1/messages/${String(message.messageId)}`)).status).toBe(200),
        30_000,
      );
      await eventually(async () => expect((await api.get('/v1/rejections')).body.items).toHaveLength(1), 30_000);
      const purchase = await api.post(`/v1/subscribers/${msisdn}/bolt-ons`, {
        purchaseId: 'P-secured-1',
        boltOn: 'GBP3',
        purchasedAt: '2003-04-02T09:00:00Z',
      });
      expect(purchase.status).toBe(201);
      const page = await api.get(`/v1/subscribers/${msisdn}/charges?limit=1`);
      expect(page.status).toBe(200);
      const sessions = await asRole(OWNER, (client) =>
        client.query<{ usename: string }>(
          `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'message-ledger%'`,
          [DATABASE],
        ),
      );
      expect(sessions.rows.map((row) => row.usename)).toEqual([SERVICE.user]);
    } finally {
      await network.close();
      await ledger?.close();
    }
  });

  it('`ledger -- rebuild` and `verify` connect as the owner (MIGRATION_DATABASE_URL), as migrate does', async () => {
    // Without it they fall back to DATABASE_URL: here the service role, which may not lock the event store.
    const asService = environmentOn('rebuildsvc', urlAs(SERVICE), { LEDGER_MIGRATE: 'false' });
    const refused = await runLedgerCli(asService, ['rebuild']);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/permission denied|must be owner/);
    const asOwner = environmentOn('rebuildowner', urlAs(SERVICE), { MIGRATION_DATABASE_URL: urlAs(OWNER) });
    const rebuilt = await runLedgerCli(asOwner, ['rebuild']);
    expect(rebuilt.output).toMatch(/rebuilt bolt-ons, charges, finance from \d+ events/);
    expect(rebuilt.code).toBe(0);
    const verified = await runLedgerCli(asOwner, ['verify']);
    expect(verified.output).toContain('verified: every read model equals its rebuild');
    expect(verified.code).toBe(0);
  });

  it('a service role facing a pending migration fails the start and says to run `ledger -- migrate`', async () => {
    const last = await asRole(OWNER, async (client) => {
      const { rows } = await client.query<{ id: number; timestamp: string; name: string }>(
        'SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1',
      );
      await client.query('DELETE FROM migrations WHERE id = $1', [rows[0].id]);
      return rows[0];
    });
    try {
      await expect(startScopedLedger(environmentOn('pending', urlAs(SERVICE)))).rejects.toThrow(
        /may not apply the pending migrations.*npm run ledger -- migrate/s,
      );
    } finally {
      await asRole(OWNER, (client) =>
        client.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
          last.id,
          last.timestamp,
          last.name,
        ]),
      );
    }
  });
});
