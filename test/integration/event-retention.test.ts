import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TOPICS } from '@ledger/contracts';
import { listEventPartitions } from '@ledger/event-store';
import { archiveRefusal } from '@ledger/app/cli/partition-commands.js';
import { migrate } from '@ledger/app/platform/database/database.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  messageSent,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';
import { runLedgerCli } from '../support/service-process.js';

/**
 * Retention (docs/PARTITIONS.md) through the real service, broker, Postgres and the built CLI: a month of
 * the event store archived to a file and dropped, with the finance figures and `verify` unchanged, then
 * restored. The service's first events are recorded two months back (the column default, moved for
 * that part of the test only), so that they lie in a month that has ended and can be closed.
 */
const BUYER = '447700950001';
const PAYG = '447700950002';
const o2 = (msisdn: string) => ({ msisdn, network: 'O2-UK' });

const sms = (messageId: string, sentAt: string, sender: string, recipient = o2('447700959999')) =>
  messageSent({ messageId, kind: 'SMS', sentAt, sender: o2(sender), recipient });

/** The month before this one, YYYY-MM: the last month of an empty store's history partition. */
function lastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

describe('a month of the event store archived to a file and restored', () => {
  const environment = isolatedEnvironment('retention');
  const databaseUrl = environment.env.DATABASE_URL;
  const directory = mkdtempSync(join(tmpdir(), 'ledger-archive-'));
  const history = `events_before_${new Date().toISOString().slice(0, 7).replace('-', '_')}`;
  const file = join(directory, `${history}.copy`);
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;
  const api = () => apiClient(ledger.url);

  const figures = async () => ({
    revenue: (await api().get('/v1/finance/revenue?from=2003-04-01&to=2003-05-31')).body as unknown,
    interconnect: (await api().get('/v1/finance/interconnect?from=2003-04-01&to=2003-05-31')).body as unknown,
    periods: (await api().get('/v1/finance/periods')).body as unknown,
    balance: (await api().get(`/v1/subscribers/${BUYER}/balance`)).body as unknown,
  });

  const messageRated = (messageId: string) =>
    eventually(async () => expect((await api().get(`/v1/messages/${messageId}`)).status).toBe(200), 30_000);

  const feedCaughtUp = () =>
    eventually(async () => {
      const behind = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events e, rated_feed_position p
          WHERE e.event_type LIKE 'Message%' AND (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)`,
      );
      expect(behind.rows[0].n).toBe(0);
    }, 30_000);

  beforeAll(async () => {
    await migrate(databaseUrl, MIGRATIONS);
    pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    await pool.query(`ALTER TABLE events ALTER COLUMN recorded_at SET DEFAULT now() - interval '60 days'`);
    network = await upstream();
    ledger = await startLedger(environment);
    const purchase = await api().post(`/v1/subscribers/${BUYER}/bolt-ons`, {
      purchaseId: 'P-RET-1',
      boltOn: 'GBP3',
      purchasedAt: '2003-04-02T09:00:00Z',
    });
    expect(purchase.status).toBe(201);
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: BUYER, value: JSON.stringify(sms('RET-1', '2003-04-03T10:00:00Z', BUYER)) },
      {
        key: PAYG,
        value: JSON.stringify(
          sms('RET-2', '2003-04-05T10:00:00Z', PAYG, { msisdn: '447800950000', network: 'VODAFONE-UK' }),
        ),
      },
    ]);
    await messageRated('RET-1');
    await messageRated('RET-2');
    await feedCaughtUp();
    // From here on the store records at the true time: this month's partition.
    await pool.query('ALTER TABLE events ALTER COLUMN recorded_at SET DEFAULT now()');
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: PAYG, value: JSON.stringify(sms('RET-3', '2003-05-10T10:00:00Z', PAYG)) },
    ]);
    await messageRated('RET-3');
    await feedCaughtUp();
  });

  afterAll(async () => {
    await ledger?.close();
    await network?.close();
    await pool?.end();
    rmSync(directory, { recursive: true, force: true });
  });

  it('holds the early events in the history partition and the later one in this month', async () => {
    const partitions = await listEventPartitions(pool);
    expect(partitions[0]).toMatchObject({ name: history, from: null });
    expect(partitions[0].events).toBe(3);
    expect(partitions[1].events).toBeGreaterThanOrEqual(1);
  });

  it('refuses to archive a month that is not closed', async () => {
    const refused = await runLedgerCli(environment, ['archive-partition', history, directory]);
    expect(refused.output).toContain(`${lastMonth()} is not closed`);
    expect(refused.code).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to archive a month whose events the feed has not published', async () => {
    expect((await api().post(`/v1/finance/periods/${lastMonth()}/close`, {})).status).toBe(200);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // As if the relay had published nothing yet: seen by this transaction only, rolled back below.
      await client.query(`UPDATE rated_feed_position SET transaction_id = '0', global_position = 0`);
      const partition = (await listEventPartitions(client)).find(({ name }) => name === history)!;
      expect(await archiveRefusal(client, partition)).toBe('2 of its messages are not yet on the rated feed');
      await client.query('ROLLBACK');
      expect(await archiveRefusal(client, partition)).toBeNull();
    } finally {
      client.release();
    }
  });

  it('archives the month to a checked file, drops it, and leaves the figures and verify as they were', async () => {
    const before = await figures();
    const archived = await runLedgerCli(environment, ['archive-partition', history, directory]);
    expect(archived.output).toContain(`archived ${history}: 3 events to ${file}`);
    expect(archived.code).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ partition: history, from: null, events: 3 });
    expect((await listEventPartitions(pool)).map(({ name }) => name)).not.toContain(history);
    const keys = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_keys WHERE idempotency_key IN ('message:RET-1', 'message:RET-2')`,
    );
    expect(keys.rows[0].n).toBe(2);

    expect(await figures()).toEqual(before);
    const verified = await runLedgerCli(environment, ['verify']);
    expect(verified.output).toContain('verified: every read model equals its rebuild from the event store');
    expect(verified.output).toContain(`${history} (3 events) read back from their archive files`);
    expect(verified.code).toBe(0);
  });

  it('rebuilds the read models from the live months and the archived one, to the same figures', async () => {
    const before = await figures();
    const rebuilt = await runLedgerCli(environment, ['rebuild']);
    expect(rebuilt.output).toContain('rebuilt ');
    expect(rebuilt.code).toBe(0);
    expect(await figures()).toEqual(before);
    const charges = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM charges WHERE message_id IN ('RET-1', 'RET-2', 'RET-3')`,
    );
    expect(charges.rows[0].n).toBe(3);
  });

  it('refuses a repeat of an archived message instead of charging it again', async () => {
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: BUYER, value: JSON.stringify(sms('RET-1', '2003-04-03T10:00:00Z', BUYER)) },
    ]);
    await eventually(async () => {
      const rejections = (await api().get('/v1/rejections')).body as { items: { detail: string }[] };
      expect(rejections.items.map(({ detail }) => detail)).toContainEqual(
        expect.stringContaining('message:RET-1 was recorded in a month since archived'),
      );
    }, 30_000);
    const charges = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM charges WHERE message_id = 'RET-1'`,
    );
    expect(charges.rows[0].n).toBe(1);
  });

  it('refuses to restore a file that is not the one archived', async () => {
    const tampered = join(directory, 'tampered');
    mkdirSync(tampered);
    const copy = join(tampered, `${history}.copy`);
    writeFileSync(copy, readFileSync(file, 'utf8').replace('RET-2', 'RET-9'));
    copyFileSync(`${file}.manifest.json`, `${copy}.manifest.json`);
    const refused = await runLedgerCli(environment, ['restore-partition', copy]);
    expect(refused.output).toContain('is not the file archived');
    expect(refused.code).toBe(1);
  });

  it('restores the month from its file, and verify is clean with the whole log live again', async () => {
    const before = await figures();
    const restored = await runLedgerCli(environment, ['restore-partition', file]);
    expect(restored.output).toContain(`restored ${history}: 3 events`);
    expect(restored.code).toBe(0);
    expect((await listEventPartitions(pool)).find(({ name }) => name === history)).toMatchObject({ events: 3 });
    expect((await api().get('/v1/messages/RET-2')).status).toBe(200);
    expect(await figures()).toEqual(before);
    const verified = await runLedgerCli(environment, ['verify']);
    expect(verified.output).toContain('verified: every read model equals its rebuild from the event store (');
    expect(verified.code).toBe(0);
    const again = await runLedgerCli(environment, ['restore-partition', file]);
    expect(again.output).toContain('is restored already');
    expect(again.code).toBe(1);
  });
});
