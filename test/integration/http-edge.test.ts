import { TOPICS } from '@ledger/contracts';
import type { Pool } from 'pg';
import { API_PG_POOL, PG_POOL } from '@ledger/app/platform/database/database.module.js';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  KEYS,
  messageSent,
  upstream,
  type RunningLedger,
} from '../support/ledger-harness.js';
import { startScopedLedger } from '../support/scoped-ledger.js';

// The HTTP edge of a deployed service: security headers, no-store on personal data, body limits,
// a rate limit per key, database timeouts, a pool of the API's own, and /metrics and /docs behind a key.
const RATE_LIMIT = 20;
const environment = isolatedEnvironment('httpedge');
Object.assign(environment.env, {
  API_RATE_LIMIT: String(RATE_LIMIT),
  API_RATE_LIMIT_WINDOW_SECONDS: '60',
  HTTP_BODY_LIMIT_BYTES: '4096',
  DB_STATEMENT_TIMEOUT_MS: '45000',
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '20000',
  API_STATEMENT_TIMEOUT_MS: '7000',
  DB_API_POOL_SIZE: '3',
  METRICS_DOCS_REQUIRE_KEY: 'true',
});
let ledger: RunningLedger;

beforeAll(async () => {
  ledger = await startScopedLedger(environment);
  await eventually(async () => expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200));
});

afterAll(async () => {
  await ledger?.close();
});

async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(ledger.url + path, init);
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('security headers', () => {
  it('sends helmet headers and no X-Powered-By on API, health and error answers alike', async () => {
    for (const response of [
      await raw('/v1/ingest', { headers: auth(KEYS.admin) }),
      await raw('/health'),
      await raw('/v1/ingest'),
      await raw('/no/such/route', { headers: auth(KEYS.admin) }),
    ]) {
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('strict-transport-security')).toContain('max-age=');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it.each([
    ['a balance', '/v1/subscribers/447700900961/balance'],
    ['charges', '/v1/subscribers/447700900961/charges'],
    ['a message', '/v1/messages/no-such-message'],
    ['rejections', '/v1/rejections'],
  ])('marks %s as Cache-Control: no-store', async (_what, path) => {
    const response = await raw(path, { headers: auth(KEYS.admin) });
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('body size', () => {
  it('answers 413 with a JSON error to a body over HTTP_BODY_LIMIT_BYTES, and 201 under it', async () => {
    const big = JSON.stringify({
      purchaseId: 'P-big',
      boltOn: 'GBP3',
      purchasedAt: '2003-04-02T09:00:00Z',
      pad: 'x'.repeat(8000),
    });
    const refused = await raw('/v1/subscribers/447700900962/bolt-ons', {
      method: 'POST',
      headers: { ...auth(KEYS.retail), 'content-type': 'application/json' },
      body: big,
    });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ statusCode: 413 });
    const accepted = await apiClient(ledger.url, KEYS.retail).post('/v1/subscribers/447700900962/bolt-ons', {
      purchaseId: 'P-small',
      boltOn: 'GBP3',
      purchasedAt: '2003-04-02T09:00:00Z',
    });
    expect(accepted.status).toBe(201);
  });
});

describe('hostile requests', () => {
  const hostile: [string, string, RequestInit][] = [
    ['Bearer with no key', '/v1/ingest', { headers: { authorization: 'Bearer ' } }],
    ['Basic auth', '/v1/ingest', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }],
    ['a key of 10,000 characters', '/v1/ingest', { headers: auth('k'.repeat(10_000)) }],
    ['a key with bytes above ASCII', '/v1/ingest', { headers: { authorization: 'Bearer cl\u00e9-\u00ff\u00fe' } }],
    ['lower-case bearer', '/v1/ingest', { headers: { authorization: 'bearer nonsense' } }],
    ['a bare word', '/v1/ingest', { headers: { authorization: 'admin' } }],
    ['JSON that does not parse', '/v1/subscribers/447700900963/bolt-ons', {
      method: 'POST', body: '{"purchaseId": ', headers: { 'content-type': 'application/json' },
    }],
    ['a body of the wrong type', '/v1/subscribers/447700900963/bolt-ons', {
      method: 'POST', body: '[1,2,3]', headers: { 'content-type': 'application/json' },
    }],
    ['a broken percent escape', '/v1/messages/%E0%A4%A', {}],
    ['a path of 4,000 characters', `/v1/messages/${'a'.repeat(4000)}`, {}],
    ['a repeated query parameter', '/v1/rejections?limit=1&limit=2', {}],
    ['a query parameter as an object', '/v1/rejections?limit[a]=1', {}],
    ['an unknown method', '/v1/ingest', { method: 'PROPFIND' }],
  ]; // prettier-ignore

  it.each(hostile)('answers %s without a 500, for a caller with or without a key', async (_what, path, init) => {
    for (const key of [null, KEYS.admin]) {
      const headers = { ...(key ? auth(key) : {}), ...(init.headers as Record<string, string>) };
      const response = await raw(path, { ...init, headers });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('database limits', () => {
  it('sets statement and idle-in-transaction timeouts on every connection, shorter for the API pool', async () => {
    const sessions = await ledger.app.get<Pool>(PG_POOL).query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(sessions.rows[0].statement_timeout).toBe('45s');
    const idle = await ledger.app
      .get<Pool>(PG_POOL)
      .query<Record<string, string>>('SHOW idle_in_transaction_session_timeout');
    expect(idle.rows[0].idle_in_transaction_session_timeout).toBe('20s');
    const api = await ledger.app.get<Pool>(API_PG_POOL).query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(api.rows[0].statement_timeout).toBe('7s');
  });

  it('keeps ingesting while every connection of the API pool is taken', async () => {
    const apiPool = ledger.app.get<Pool>(API_PG_POOL);
    const held = await Promise.all([1, 2, 3].map(() => apiPool.connect()));
    const network = await upstream();
    try {
      const message = messageSent({ sender: { msisdn: '447700900964', network: 'O2-UK' } });
      await network.send(environment.topic(TOPICS.messageSent), [
        { key: '447700900964', value: JSON.stringify(message) },
      ]);
      const ingestPool = ledger.app.get<Pool>(PG_POOL);
      await eventually(async () => {
        const { rows } = await ingestPool.query('SELECT 1 FROM charges WHERE message_id = $1', [message.messageId]);
        expect(rows).toHaveLength(1);
      }, 30_000);
    } finally {
      await network.close();
      for (const client of held) client.release();
    }
  });
});

describe('/metrics and /docs behind a key (METRICS_DOCS_REQUIRE_KEY=true)', () => {
  it.each(['/metrics', '/docs', '/docs/openapi.json'])(
    'refuses %s without a key and serves it with one',
    async (path) => {
      expect((await raw(path)).status).toBe(401);
      expect((await raw(path, { headers: auth(KEYS.admin) })).status).toBe(200);
    },
  );

  it('leaves /health open', async () => {
    expect((await raw('/health')).status).toBe(200);
  });
});

describe('rate limit per key', () => {
  it('answers 429 with Retry-After past API_RATE_LIMIT calls in the window, to that key only', async () => {
    const key = KEYS.finance;
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let call = 0; call < RATE_LIMIT + 5 && !limited; call++) {
      const response = await raw('/v1/finance/interconnect?from=2003-04-01&to=2003-04-02', { headers: auth(key) });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(limited).toBeDefined();
    // Some calls went through before the limit: the bucket holds (at most) RATE_LIMIT of them.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(RATE_LIMIT);
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited!.json()).toMatchObject({ statusCode: 429 });
    // Another key has a bucket of its own; /health is never limited.
    expect((await raw('/v1/ingest', { headers: auth(KEYS.admin) })).status).toBe(200);
    expect((await raw('/health')).status).toBe(200);
  });

  it('limits calls without a valid key by address, so guessing keys is throttled too', async () => {
    const statuses: number[] = [];
    for (let call = 0; call < RATE_LIMIT + 5; call++) {
      const response = await raw('/v1/ingest', { headers: auth(`guess-${call}-xxxxxxxxxxxxxxxx`) });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toContain(401);
    expect(statuses[statuses.length - 1]).toBe(429);
  });
});
