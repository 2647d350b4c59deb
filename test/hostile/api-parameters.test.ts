import fc from 'fast-check';
import { apiClient, isolatedEnvironment, KEYS, startLedger, type RunningLedger } from '../support/ledger-harness.js';

/** Every byte percent-encoded, so that any bytes at all reach the service as the parameter. */
const percentEncoded = (bytes: Uint8Array): string =>
  [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

const M = '447700900123';

describe('no 500 from any parameter (issue 11 item 8)', () => {
  const environment = isolatedEnvironment('apiparams');
  let ledger: RunningLedger;

  beforeAll(async () => {
    ledger = await startLedger(environment);
  });

  afterAll(async () => {
    await ledger?.close();
  });

  it.each([
    ['/v1/messages/M-%00-1', 'messageId'],
    // Bytes that are not UTF-8 in the path: the router refuses them before any handler, naming them.
    ['/v1/messages/%ED%A0%80', "Failed to decode param '%ED%A0%80'"],
    [`/v1/subscribers/${M}/balance?at=0000-06-01T00:00:00Z`, 'at'],
    [`/v1/subscribers/${M}/balance?at=9999-12-31T23:30:00-01:00`, 'at'],
    [`/v1/subscribers/${M}/balance?at=2003-04-01T00:00:00Z&at=2003-04-02T00:00:00Z`, 'at'],
    [`/v1/subscribers/${M}/balance?at=2003-04-01T00:00:00%00Z`, 'at'],
    [`/v1/subscribers/${M}%00/balance`, 'msisdn'],
    [`/v1/subscribers/${M}/charges?from=0000-01-01T00:00:00Z`, 'from'],
    [`/v1/subscribers/${M}/charges?to=+10000-01-01T00:00:00Z`, 'to'],
    [`/v1/subscribers/${M}/charges?limit=1e400`, 'limit'],
    [`/v1/subscribers/${M}/charges?limit=99999999999999999999999`, 'limit'],
    [`/v1/subscribers/${M}/charges?limit=1&limit=2`, 'limit'],
    [`/v1/subscribers/${M}/charges?limit=%00`, 'limit'],
    [`/v1/subscribers/${M}/charges?cursor=%00`, 'cursor'],
    [`/v1/subscribers/${M}/charges?cursor=a&cursor=b`, 'cursor'],
    [`/v1/subscribers/${M}/charges?%00=1`, 'query parameters'],
    ['/v1/rejections?limit=1&limit=2', 'limit'],
    ['/v1/rejections?limit=1e400', 'limit'],
    ['/v1/rejections?cursor=%00', 'cursor'],
    ['/v1/rejections/%00/payload', 'id'],
    ['/v1/rejections/99999999999999999999999/payload', 'id'],
    ['/v1/finance/revenue?from=0000-01-01&to=0001-01-01', 'from'],
    ['/v1/finance/revenue?from=2003-04-01&to=2003-04-02&from=2003-04-01', 'from'],
    ['/v1/finance/revenue?from=2003-04-01%00&to=2003-04-02', 'from'],
    ['/v1/finance/interconnect?from=2003-04-01&to=2003-04-02&format=csv&format=json', 'format'],
    ['/v1/finance/interconnect/%00/messages?date=2003-04-01', 'network'],
    ['/v1/finance/interconnect/VODAFONE-UK/messages?date=2003-04-01&limit=1e400', 'limit'],
    ['/v1/finance/interconnect/VODAFONE-UK/messages?date=0000-04-01', 'date'],
  ])('GET %s answers 400 naming %s', async (path, field) => {
    const response = await apiClient(ledger.url).get(path);
    expect({ path, status: response.status }).toEqual({ path, status: 400 });
    expect(JSON.stringify(response.body)).toContain(field);
  });

  it.each([
    '/v1/messages/%F0%9F%98%80',
    '/v1/finance/revenue?from=9999-12-31&to=9999-12-31',
    '/v1/finance/revenue?from=0001-01-01&to=0001-01-01',
    `/v1/subscribers/${M}/balance?at=9999-12-31T23:59:59.999Z`,
    `/v1/subscribers/${M}/charges?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z`,
  ])('GET %s, odd but valid, is answered without a 500', async (path) => {
    const response = await apiClient(ledger.url).get(path);
    expect({ path, status: response.status }).toEqual({ path, status: response.status === 404 ? 404 : 200 });
  });

  it.each([
    [{ purchaseId: 'P-\u0000', boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z' }, 'purchaseId'],
    [{ purchaseId: 'P-1', boltOn: 'GBP3\ud800', purchasedAt: '2003-04-01T09:00:00Z' }, 'boltOn'],
    [{ purchaseId: 'P-1', boltOn: 'GBP3', purchasedAt: '0000-04-01T09:00:00Z' }, 'purchasedAt'],
    [{ purchaseId: 'P-1', boltOn: 'GBP3', purchasedAt: '9999-12-31T23:30:00-01:00' }, 'purchasedAt'],
  ])('POST bolt-ons with %j answers 400 naming %s', async (body, field) => {
    const response = await apiClient(ledger.url, KEYS.retail).post(`/v1/subscribers/${M}/bolt-ons`, body);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain(field);
  });

  it('answers any bytes at all in any parameter with something other than a 500', async () => {
    const routes = [
      (value: string) => `/v1/messages/${value}`,
      (value: string) => `/v1/subscribers/${value}/balance`,
      (value: string) => `/v1/subscribers/${M}/balance?at=${value}`,
      (value: string) => `/v1/subscribers/${M}/charges?from=${value}&limit=${value}`,
      (value: string) => `/v1/subscribers/${M}/charges?cursor=${value}`,
      (value: string) => `/v1/rejections?cursor=${value}&limit=${value}`,
      (value: string) => `/v1/rejections/${value}/payload`,
      (value: string) => `/v1/finance/revenue?from=${value}&to=${value}`,
      (value: string) => `/v1/finance/interconnect/${value}/messages?date=${value}`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: routes.length - 1 }),
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 40 }).map(percentEncoded),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((text) => percentEncoded(Buffer.from(text))),
          fc.constantFrom('0000-01-01T00:00:00Z', '1e400', '-0', 'NaN', '2003-04-01', '%00', '\u00e9'),
        ),
        async (route, value) => {
          const path = routes[route](value);
          const response = await apiClient(ledger.url).get(path);
          expect({ path, status: response.status < 500 }).toEqual({ path, status: true });
        },
      ),
      { numRuns: 300 },
    );
  });
});
