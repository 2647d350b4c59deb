import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  startLedger,
  type RunningLedger,
} from '../support/ledger-harness.js';

const built = (file: string): string => `dist/apps/${file}`;

/** The command-line tools as a newcomer runs them from the README, against a running service. */
describe('the command-line tools', () => {
  const environment = isolatedEnvironment('tools');
  let ledger: RunningLedger;
  let pool: pg.Pool;

  const run = (file: string, args: string[]) =>
    spawnSync(process.execPath, [built(file), ...args], {
      env: { ...process.env, ...environment.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });

  beforeAll(async () => {
    if (!existsSync(built('simulator/src/main.js'))) throw new Error('run `npm run build` first (npm test does)');
    ledger = await startLedger(environment);
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
  });

  afterAll(async () => {
    await pool?.end();
    await ledger?.close();
  });

  it('simulate plays purchases and messages at the chosen rate, and every message is rated', async () => {
    const result = run('simulator/src/main.js', [
      '--rate',
      '400',
      '--count',
      '800',
      '--subscribers',
      '50',
      '--purchases',
      '20',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('sent 20 bolt-on purchases');
    expect(result.stdout).toContain('sent 800 messages');
    await eventually(async () => {
      const charges = await pool.query<{ n: string }>('SELECT count(*) AS n FROM charges');
      expect(Number(charges.rows[0].n)).toBe(800);
    }, 60_000);
  });

  it('simulate explains a bad option', () => {
    const result = run('simulator/src/main.js', ['--rate', 'fast']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--rate must be a whole number');
  });

  it('verify finds the read models equal to the event store, and rebuild rebuilds them', () => {
    const verify = run('ledger/src/cli/ledger-cli.js', ['verify']);
    expect(verify.stdout).toContain('verified: every read model equals its rebuild');
    expect(verify.status).toBe(0);
    const rebuild = run('ledger/src/cli/ledger-cli.js', ['rebuild']);
    expect(rebuild.status).toBe(0);
    expect(rebuild.stdout).toMatch(/rebuilt bolt-ons, charges, finance from \d+ events/);
    expect(run('ledger/src/cli/ledger-cli.js', ['verify']).status).toBe(0);
  });

  it('rerate prints a dry run as a table, applies it with --apply, and the read models still equal the event store', async () => {
    const tariff = (
      await apiClient(ledger.url).get<{ tariff: { paygPrices: { kind: string; pricePence: number }[] } }>('/v1/tariff')
    ).body.tariff;
    for (const price of tariff.paygPrices) if (price.kind === 'SMS') price.pricePence += 1;
    expect((await apiClient(ledger.url).post('/v1/tariff/versions', tariff)).status).toBe(201);
    const refused = run('ledger/src/cli/ledger-cli.js', ['rerate', '--from', 'last week']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('from');

    const dry = run('ledger/src/cli/ledger-cli.js', [
      'rerate',
      '--from',
      '0001-01-01T00:00:00Z',
      '--reason',
      'SMS +1p',
    ]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/DRY_RUN {2}tariff version 2/);
    const changed = Number(/messages changed\s+(\d+)/.exec(dry.stdout)?.[1]);
    expect(changed).toBeGreaterThan(0);
    const apply = run('ledger/src/cli/ledger-cli.js', ['rerate', '--from', '0001-01-01T00:00:00Z', '--apply']);
    expect(apply.status).toBe(0);
    expect(apply.stdout).toMatch(/APPLIED {2}tariff version 2/);
    expect(Number(/APPLIED[\s\S]*messages changed\s+(\d+)/.exec(apply.stdout)?.[1])).toBe(changed);
    const rerated = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM events WHERE event_type = 'MessageRerated'`,
    );
    expect(Number(rerated.rows[0].n)).toBe(changed);
    expect(run('ledger/src/cli/ledger-cli.js', ['verify']).status).toBe(0);
    const rebuild = run('ledger/src/cli/ledger-cli.js', ['rebuild']);
    expect(rebuild.status).toBe(0);
    expect(run('ledger/src/cli/ledger-cli.js', ['verify']).status).toBe(0);
  });

  it('verify lists a drifted row and exits 1', async () => {
    const drift = await pool.query(
      `UPDATE bolt_ons SET units_remaining = units_remaining - 1
       WHERE purchase_id = (SELECT min(purchase_id) FROM bolt_ons WHERE units_remaining > 0)`,
    );
    expect(drift.rowCount).toBe(1);
    const verify = run('ledger/src/cli/ledger-cli.js', ['verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toContain('bolt_ons: 1 rows only live, 1 rows only rebuilt');
  });
});
