import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { makeTestCa } from '../support/test-certificates.js';

// DATABASE_URL asks for TLS (SPEC section 7); this proves what `pg` does with it against a real server.
let server: PrivatePostgres;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'ledger-pg-tls-'));
  server = await startPrivatePostgres();
}, 120000);

afterAll(() => {
  server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function connectWith(connectionString: string): Promise<{ ssl: boolean; version: string }> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean; version: string }>(
      'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

async function connectError(connectionString: string): Promise<Error> {
  try {
    await connectWith(connectionString);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`connected with ${connectionString.replace(server.password, '***')}`);
}

describe('Postgres over TLS via DATABASE_URL (private cluster, ssl=on, hostssl only)', () => {
  it('connects with sslmode=verify-full and the CA in sslrootcert, over TLS', async () => {
    const session = await connectWith(server.url());
    expect(session.ssl).toBe(true);
    expect(session.version).toMatch(/^TLSv1\.[23]$/);
  });

  it('verifies the name localhost as well as 127.0.0.1', async () => {
    const url = server.url().replace('@127.0.0.1:', '@localhost:');
    expect((await connectWith(url)).ssl).toBe(true);
  });

  it('refuses verify-full on an address the certificate does not name (127.0.0.2)', async () => {
    const error = await connectError(server.url().replace('@127.0.0.1:', '@127.0.0.2:'));
    expect(error.message).toContain("IP: 127.0.0.2 is not in the cert's list");
  });

  it('accepts that address once only the name check is off, so the refusal above is the name check', async () => {
    const url = server.url().replace('@127.0.0.1:', '@127.0.0.2:');
    const client = new pg.Client({
      connectionString: url.replace(/\?.*$/, ''),
      ssl: { ca: readFileSync(server.ca.certFile, 'utf8'), checkServerIdentity: () => undefined },
    });
    await client.connect();
    await client.end();
  });

  it('refuses verify-full when the server certificate is not signed by the given CA', async () => {
    const other = makeTestCa(scratch, 'other');
    const error = await connectError(server.url('postgres', { sslrootcert: other.certFile }));
    expect(error.message).toMatch(/self-signed certificate in certificate chain|unable to verify/);
  });

  it('refuses a plaintext connection: pg_hba.conf has no line for it', async () => {
    const error = await connectError(server.url('postgres', { sslmode: 'disable' }));
    expect(error.message).toContain('no pg_hba.conf entry for host "127.0.0.1"');
    expect(error.message).toContain('no encryption');
  });

  it('refuses a wrong password over TLS', async () => {
    const url = server.url().replace(`:${server.password}@`, ':wrong-password@');
    const error = await connectError(url);
    expect(error.message).toBe('password authentication failed for user "postgres"');
  });

  it('creates a database the service can be pointed at, reachable with verify-full', async () => {
    const url = await server.createDatabase('ledger_tls');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0].db).toBe('ledger_tls');
    } finally {
      await client.end();
    }
  });
});
