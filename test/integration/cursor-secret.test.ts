import { randomBytes } from 'node:crypto';
import { TOPICS } from '@ledger/contracts';
import pg from 'pg';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  KEYS,
  messageSent,
  upstream,
  type Environment,
  type RunningLedger,
} from '../support/ledger-harness.js';
import { startScopedLedger } from '../support/scoped-ledger.js';

// docs/CONTRACT.md section 7: one random cursor secret in the database, shared by every instance;
// CURSOR_SECRET, when set, lists secrets of which the first signs and every one verifies.
const base = isolatedEnvironment('cursors');
const MSISDN = '447700900950';
const running: RunningLedger[] = [];

function variant(env: Record<string, string>): Environment {
  return { ...base, env: { ...base.env, ...env } };
}

async function start(env: Record<string, string> = {}): Promise<RunningLedger> {
  const ledger = await startScopedLedger(variant(env));
  running.push(ledger);
  return ledger;
}

async function stop(ledger: RunningLedger): Promise<void> {
  running.splice(running.indexOf(ledger), 1);
  await ledger.close();
}

async function page(ledger: RunningLedger, cursor?: string) {
  const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  return apiClient(ledger.url, KEYS.finance).get<{ items: { messageId: string }[]; nextCursor: string | null }>(
    `/v1/subscribers/${MSISDN}/charges?limit=1${query}`,
  );
}

const secret = (): string => randomBytes(32).toString('base64url');

beforeAll(async () => {
  const first = await start();
  const network = await upstream();
  try {
    const messages = [1, 2, 3].map((minute) =>
      messageSent({ sender: { msisdn: MSISDN, network: 'O2-UK' }, sentAt: `2003-04-02T10:0${minute}:00Z` }),
    );
    await network.send(
      base.topic(TOPICS.messageSent),
      messages.map((message) => ({ key: MSISDN, value: JSON.stringify(message) })),
    );
  } finally {
    await network.close();
  }
  await eventually(async () => {
    const all = await apiClient(first.url).get(`/v1/subscribers/${MSISDN}/charges`);
    expect(all.body.items).toHaveLength(3);
  }, 30_000);
  await stop(first);
});

afterAll(async () => {
  for (const ledger of [...running]) await ledger.close();
});

describe('cursor secret', () => {
  it('stores one random secret in the database at first start', async () => {
    const client = new pg.Client({ connectionString: base.env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ secret: string }>('SELECT secret FROM cursor_secrets');
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0].secret, 'base64url').length).toBeGreaterThanOrEqual(32);
      // Not derived from anything an API key holder knows.
      for (const { key } of Object.values(KEYS).map((key) => ({ key }))) expect(rows[0].secret).not.toContain(key);
    } finally {
      await client.end();
    }
  });

  it('accepts a cursor from one instance on another that lists LEDGER_API_KEYS in another order', async () => {
    const one = await start();
    const other = await start({
      LEDGER_API_KEYS: `retail:${KEYS.retail},finance:${KEYS.finance},admin:${KEYS.admin}`,
    });
    const first = await page(one);
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await page(other, first.body.nextCursor!);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].messageId).not.toBe(first.body.items[0].messageId);
    const third = await page(one, second.body.nextCursor!);
    expect(third.status).toBe(200);
    expect(third.body.nextCursor).toBeNull();
    await stop(one);
    await stop(other);
  });

  it('keeps accepting its cursors after a restart, since the secret lives in the database', async () => {
    const before = await start();
    const cursor = (await page(before)).body.nextCursor!;
    await stop(before);
    const after = await start();
    expect((await page(after, cursor)).status).toBe(200);
    await stop(after);
  });

  it('rotates with CURSOR_SECRET: the first signs, every one verifies', async () => {
    const [oldSecret, newSecret] = [secret(), secret()];
    const before = await start({ CURSOR_SECRET: oldSecret });
    const oldCursor = (await page(before)).body.nextCursor!;
    await stop(before);

    const rotating = await start({ CURSOR_SECRET: `${newSecret},${oldSecret}` });
    expect((await page(rotating, oldCursor)).status).toBe(200);
    const newCursor = (await page(rotating)).body.nextCursor!;
    await stop(rotating);

    const after = await start({ CURSOR_SECRET: newSecret });
    expect((await page(after, newCursor)).status).toBe(200);
    const retired = await page(after, oldCursor);
    expect(retired.status).toBe(400);
    expect(JSON.stringify(retired.body)).toContain('invalid cursor');
    await stop(after);
  });

  it('answers 400 to a cursor signed with a secret it does not know, or edited by hand', async () => {
    const elsewhere = await start({ CURSOR_SECRET: secret() });
    const foreign = (await page(elsewhere)).body.nextCursor!;
    await stop(elsewhere);
    const ledger = await start();
    const refused = await page(ledger, foreign);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('invalid cursor');
    const own = (await page(ledger)).body.nextCursor!;
    const [body, signature] = own.split('.');
    const edited = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), hacked: 1 }),
    ).toString('base64url');
    expect((await page(ledger, `${edited}.${signature}`)).status).toBe(400);
    await stop(ledger);
  });

  it('refuses to start with a CURSOR_SECRET entry too short to be a secret', async () => {
    await expect(start({ CURSOR_SECRET: `${secret()},short` })).rejects.toThrow(/CURSOR_SECRET: entry 2/);
  });
});
