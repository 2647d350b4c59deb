import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-process.js';
import { issueCertificate, makeTestCa, type TestCa } from './test-certificates.js';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A Postgres 15 cluster of one test's own: TLS only, password auth, on a private port. */
export interface PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  /** The CA that signed the server certificate (SAN 127.0.0.1 and localhost). */
  readonly ca: TestCa;
  readonly user: string;
  readonly password: string;
  /** A connection URL for `database`; `sslmode=verify-full` against `ca` unless `query` says otherwise. */
  url(database?: string, query?: Record<string, string>): string;
  /** Creates a database (as the superuser, over verified TLS) and gives its URL. */
  createDatabase(name: string): Promise<string>;
  /** The server log so far, for failure messages. */
  log(): string;
  stop(): void;
}

export interface PrivatePostgresOptions {
  /** Default: a free port from the kernel. */
  port?: number;
}

/** initdb and postgres refuse to run as root, so as root they run as the postgres OS user. */
function asPostgresUser(command: string, args: string[]): string {
  const full = join(PG_BIN, command);
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts a private cluster: `initdb` under a temp dir, `ssl=on` with a server certificate from a
 * fresh test CA, and a pg_hba.conf with `hostssl` lines only (scram-sha-256), so plaintext is refused.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`initdb not found in ${PG_BIN} (apt-get install postgresql-15, or set PG_BIN)`);
  }
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'ledger-private-pg-'));
  const tlsDir = join(dir, 'tls');
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const user = 'postgres';
  const password = randomBytes(18).toString('hex');
  const owner = postgresOwner();
  try {
    execFileSync('mkdir', ['-p', tlsDir]);
    const ca = makeTestCa(tlsDir, 'private-postgres');
    const server = issueCertificate(ca, 'server', {
      commonName: 'localhost',
      subjectAltNames: ['IP:127.0.0.1', 'DNS:localhost'],
      usage: 'server',
    });
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      for (const path of [dir, passwordFile]) chownSync(path, owner.uid, owner.gid);
    }
    asPostgresUser('initdb', [
      '-D', data, '-U', user, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-sync',
    ]); // prettier-ignore
    rmSync(passwordFile);
    // The server reads its key only when the postgres user owns it with mode 0600.
    copyFileSync(server.certFile, join(data, 'server.crt'));
    copyFileSync(server.keyFile, join(data, 'server.key'));
    chmodSync(join(data, 'server.key'), 0o600);
    if (owner) {
      for (const file of ['server.crt', 'server.key']) chownSync(join(data, file), owner.uid, owner.gid);
    }
    writeFileSync(
      join(data, 'pg_hba.conf'),
      [
        '# TLS only: no host (plaintext) or local lines.',
        `hostssl all all 127.0.0.0/8 scram-sha-256`,
        `hostssl all all ::1/128 scram-sha-256`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(data, 'postgresql.auto.conf'),
      [
        `port = ${port}`,
        // 127.0.0.2 is outside the certificate's names: tests use it to prove verify-full checks them.
        `listen_addresses = '127.0.0.1,127.0.0.2'`,
        // Its own socket directory, so it never meets the machine's cluster in /var/run/postgresql.
        `unix_socket_directories = '${dir}'`,
        'ssl = on',
        `ssl_cert_file = 'server.crt'`,
        `ssl_key_file = 'server.key'`,
        `password_encryption = 'scram-sha-256'`,
        'shared_buffers = 32MB',
        'max_connections = 50',
        // A throwaway test cluster: durability buys nothing here.
        'fsync = off',
        '',
      ].join('\n'),
    );
    if (owner) chownSync(join(data, 'pg_hba.conf'), owner.uid, owner.gid);
    if (owner) chownSync(join(data, 'postgresql.auto.conf'), owner.uid, owner.gid);
    writeFileSync(logFile, '');
    if (owner) chownSync(logFile, owner.uid, owner.gid);
    asPostgresUser('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', 'start']);

    const url = (database = 'postgres', query: Record<string, string> = {}): string => {
      const params = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: ca.certFile, ...query });
      return `postgres://${user}:${password}@127.0.0.1:${port}/${database}?${params.toString()}`;
    };
    let stopped = false;
    return {
      port,
      dir,
      ca,
      user,
      password,
      url,
      async createDatabase(name: string): Promise<string> {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: url() });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      stop(): void {
        if (stopped) return;
        stopped = true;
        try {
          asPostgresUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    try {
      asPostgresUser('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // Nothing was running.
    }
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`private Postgres did not start: ${(error as Error).message}\n${stderr}\n${log}`, { cause: error });
  }
}
