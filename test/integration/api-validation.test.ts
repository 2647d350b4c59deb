import { apiClient, isolatedEnvironment, KEYS, startLedger, type RunningLedger } from '../support/ledger-harness.js';

describe('the API refuses bad input clearly and never answers 500', () => {
  const environment = isolatedEnvironment('apivalid');
  let ledger: RunningLedger;

  beforeAll(async () => {
    ledger = await startLedger(environment);
  });

  afterAll(async () => {
    await ledger?.close();
  });

  it.each([
    ['/v1/subscribers/12345/balance', 'msisdn'],
    ['/v1/subscribers/+447700900123/charges', 'msisdn'],
    ['/v1/subscribers/447700900123/balance?at=yesterday', 'at'],
    ['/v1/subscribers/447700900123/balance?at=2003-02-30T00:00:00Z', 'at'],
    ['/v1/subscribers/447700900123/charges?limit=0', 'limit'],
    ['/v1/subscribers/447700900123/charges?limit=1001', 'limit'],
    ['/v1/subscribers/447700900123/charges?from=2003-04-01', 'from'],
    ['/v1/subscribers/447700900123/charges?cursor=abc.def', 'cursor'],
    ['/v1/subscribers/447700900123/charges?colour=blue', 'colour'],
    ['/v1/rejections?limit=-1', 'limit'],
  ])('GET %s answers 400 naming %s', async (path, field) => {
    const response = await apiClient(ledger.url).get(path);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain(field);
  });

  it('refuses a cursor whose signature does not match', async () => {
    const forged = `${Buffer.from(JSON.stringify({ sentAt: '2003-01-01T00:00:00.000Z', messageId: 'x' })).toString('base64url')}.AAAA`;
    const response = await apiClient(ledger.url).get(`/v1/subscribers/447700900123/charges?cursor=${forged}`);
    expect(response.status).toBe(400);
  });

  it.each([
    ['not json at all', 400],
    [{ purchaseId: 'P-1', boltOn: 'GBP3' }, 400],
    [{ purchaseId: '', boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z' }, 400],
    [{ purchaseId: 'P-1', boltOn: 'GBP3', purchasedAt: '2003-04-01 09:00' }, 400],
    [{ purchaseId: 'P-1', boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z', pricePence: 1 }, 400],
  ])('POST bolt-ons with %j answers %d', async (body, status) => {
    const response = await apiClient(ledger.url, KEYS.retail).post('/v1/subscribers/447700900123/bolt-ons', body);
    expect(response.status).toBe(status);
  });

  it('answers 404 for a message never recorded', async () => {
    expect((await apiClient(ledger.url).get('/v1/messages/NO-SUCH-MESSAGE')).status).toBe(404);
  });

  it('answers a purchase 201, its repeat 200, other content 409, an unavailable bolt-on 422 twice', async () => {
    const api = apiClient(ledger.url, KEYS.retail);
    const body = { purchaseId: 'VAL-1', boltOn: 'GBP16', purchasedAt: '2003-04-01T09:00:00Z' };
    const first = await api.post('/v1/subscribers/447700900777/bolt-ons', body);
    expect(first).toEqual({
      status: 201,
      body: {
        purchaseId: 'VAL-1',
        msisdn: '447700900777',
        boltOn: 'GBP16',
        units: 400,
        pricePence: 1600,
        purchasedAt: '2003-04-01T09:00:00Z',
      },
    });
    expect(await api.post('/v1/subscribers/447700900777/bolt-ons', body)).toEqual({ status: 200, body: first.body });
    const conflict = await api.post('/v1/subscribers/447700900777/bolt-ons', { ...body, boltOn: 'GBP3' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.reason).toBe('DUPLICATE_CONFLICT');
    const early = { purchaseId: 'VAL-2', boltOn: 'GBP3', purchasedAt: '2003-03-31T23:59:59Z' };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const rejected = await api.post('/v1/subscribers/447700900777/bolt-ons', early);
      expect(rejected.status).toBe(422);
      expect(rejected.body.reason).toBe('BOLT_ON_NOT_AVAILABLE');
    }
    const balance = await api.get('/v1/subscribers/447700900777/balance');
    expect(balance.body).toEqual({
      msisdn: '447700900777',
      unitsAvailable: 400,
      boltOns: [
        {
          purchaseId: 'VAL-1',
          boltOn: 'GBP16',
          units: 400,
          unitsRemaining: 400,
          pricePence: 1600,
          purchasedAt: '2003-04-01T09:00:00Z',
          // The default catalogue's bolt-ons never expire (docs/CONTRACT.md section 10).
          expiresAt: null,
        },
      ],
    });
  });

  it('lets the retail role buy but not read finance, and the finance role read but not buy', async () => {
    const body = { purchaseId: 'VAL-3', boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z' };
    expect((await apiClient(ledger.url, KEYS.finance).post('/v1/subscribers/447700900778/bolt-ons', body)).status).toBe(
      403,
    );
    expect((await apiClient(ledger.url, KEYS.retail).get('/v1/messages/anything')).status).toBe(403);
    expect((await apiClient(ledger.url, KEYS.finance).get('/v1/subscribers/447700900778/balance')).status).toBe(200);
  });
});
