import { TOPICS } from '@ledger/contracts';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  KEYS,
  messageSent,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';

type Method = 'get' | 'post';

/** SPEC section 5, and the finance audit trail behind the interconnect figures: the statuses each documents. */
const ROUTES: [Method, string, number[]][] = [
  ['post', '/v1/subscribers/{msisdn}/bolt-ons', [201, 200, 400, 401, 403, 409, 422]],
  ['get', '/v1/subscribers/{msisdn}/balance', [200, 400, 401, 403]],
  ['get', '/v1/subscribers/{msisdn}/charges', [200, 400, 401, 403]],
  ['get', '/v1/messages/{messageId}', [200, 400, 401, 403, 404]],
  ['get', '/v1/finance/revenue', [200, 400, 401, 403]],
  ['get', '/v1/finance/interconnect', [200, 400, 401, 403]],
  ['get', '/v1/finance/interconnect/{network}/messages', [200, 400, 401, 403]],
  ['get', '/v1/rejections', [200, 400, 401, 403]],
  ['get', '/v1/ingest', [200, 401, 403]],
];

const PARAMETERS: Record<string, { path: string[]; query: string[] }> = {
  '/v1/subscribers/{msisdn}/bolt-ons': { path: ['msisdn'], query: [] },
  '/v1/subscribers/{msisdn}/balance': { path: ['msisdn'], query: ['at'] },
  '/v1/subscribers/{msisdn}/charges': { path: ['msisdn'], query: ['cursor', 'from', 'limit', 'to'] },
  '/v1/messages/{messageId}': { path: ['messageId'], query: [] },
  '/v1/finance/revenue': { path: [], query: ['format', 'from', 'to'] },
  '/v1/finance/interconnect': { path: [], query: ['format', 'from', 'to'] },
  '/v1/finance/interconnect/{network}/messages': {
    path: ['network'],
    query: ['cursor', 'date', 'direction', 'format', 'limit'],
  },
  '/v1/rejections': { path: [], query: ['cursor', 'limit'] },
  '/v1/ingest': { path: [], query: [] },
};

/**
 * Where `value` departs from the OpenAPI 3.0 `schema`, strictly: every required property present, none that the
 * schema does not name, types, formats, enums and nullability as documented.
 */
function departures(document: any, schema: any, value: unknown, at = '$'): string[] {
  if (schema.$ref) return departures(document, resolve(document, schema.$ref), value, at);
  if (value === null) return schema.nullable ? [] : [`${at} is null but not nullable`];
  if (schema.allOf) return schema.allOf.flatMap((part: any) => departures(document, part, value, at));
  if (schema.enum && !schema.enum.includes(value))
    return [`${at} is ${JSON.stringify(value)}, not one of ${schema.enum}`];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const properties = schema.properties ?? {};
      const record = value as Record<string, unknown>;
      return [
        ...(schema.required ?? [])
          .filter((name: string) => !(name in record))
          .map((name: string) => `${at}.${name} is required but missing`),
        ...Object.entries(record).flatMap(([name, property]) =>
          properties[name]
            ? departures(document, properties[name], property, `${at}.${name}`)
            : [`${at}.${name} is not documented`],
        ),
      ];
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, index) => departures(document, schema.items, item, `${at}[${index}]`))
        : [`${at} is not an array`];
    case 'string':
      if (typeof value !== 'string') return [`${at} is not a string`];
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${at} is not a date-time`];
      if (schema.format === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return [`${at} is not a date`];
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} is not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at} is not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    default:
      return [`${at}: the schema has no type`];
  }
}

function resolve(document: any, ref: string): any {
  const name = ref.replace('#/components/schemas/', '');
  const schema = document.components.schemas[name];
  if (!schema) throw new Error(`${ref} is not in the document`);
  return schema;
}

describe('the OpenAPI document', () => {
  const environment = isolatedEnvironment('openapi');
  let ledger: RunningLedger;
  let network: Upstream;
  let document: any;

  const operation = (method: Method, path: string): any => document.paths[path]?.[method];
  const jsonSchema = (method: Method, path: string, status: number): any =>
    operation(method, path)?.responses[String(status)]?.content?.['application/json']?.schema;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    const response = await fetch(`${ledger.url}/docs/openapi.json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });

  afterAll(async () => {
    await network?.close();
    await ledger?.close();
  });

  it('is served at /docs/openapi.json without a key, as OpenAPI 3 with the api-key bearer scheme', async () => {
    const response = await fetch(`${ledger.url}/docs/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toMatchObject({ title: 'message-ledger', version: '1' });
    expect(document.info.description).toEqual(expect.stringContaining('finance'));
    expect(document.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves Swagger UI at /docs without a key', async () => {
    const page = await fetch(`${ledger.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const script = await fetch(`${ledger.url}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it.each(ROUTES)(
    'documents %s %s with the api-key security and a JSON schema per status',
    (method, path, statuses) => {
      const documented = operation(method, path);
      expect(documented).toBeDefined();
      expect(documented.security).toEqual([{ 'api-key': [] }]);
      expect(documented.summary).toEqual(expect.any(String));
      expect(documented.tags).toHaveLength(1);
      expect(Object.keys(documented.responses).map(Number).sort()).toEqual([...statuses].sort());
      for (const status of statuses) {
        const body = documented.responses[String(status)].content['application/json'];
        expect({ status, ref: body.schema.$ref }).toEqual({
          status,
          ref: expect.stringMatching(/^#\/components\/schemas\//),
        });
        expect({ status, example: body.example }).toEqual({ status, example: expect.anything() });
      }
    },
  );

  it.each(ROUTES)('documents the parameters of %s %s, each with a description', (method, path) => {
    const parameters: { name: string; in: string; description?: string }[] = operation(method, path).parameters ?? [];
    const named = (place: string): string[] =>
      parameters
        .filter((parameter) => parameter.in === place)
        .map((parameter) => parameter.name)
        .sort();
    expect({ path: named('path'), query: named('query') }).toEqual(PARAMETERS[path]);
    for (const parameter of parameters)
      expect(parameter).toEqual(expect.objectContaining({ description: expect.any(String) }));
  });

  it('documents the body of POST bolt-ons', () => {
    const body = operation('post', '/v1/subscribers/{msisdn}/bolt-ons').requestBody;
    expect(body.required).toBe(true);
    const schema = resolve(document, body.content['application/json'].schema.$ref);
    expect(Object.keys(schema.properties).sort()).toEqual(['boltOn', 'purchaseId', 'purchasedAt']);
    expect([...schema.required].sort()).toEqual(['boltOn', 'purchaseId', 'purchasedAt']);
    expect(schema.properties.purchasedAt).toMatchObject({ type: 'string', format: 'date-time' });
  });

  it('gives every documented response an example that matches its own schema', () => {
    for (const [method, path, statuses] of ROUTES) {
      for (const status of statuses) {
        const body = operation(method, path).responses[String(status)].content['application/json'];
        expect({ method, path, status, departures: departures(document, body.schema, body.example) }).toEqual({
          method,
          path,
          status,
          departures: [],
        });
      }
    }
  });

  it('documents the finance answers as CSV too, with a CSV example', () => {
    for (const path of [
      '/v1/finance/revenue',
      '/v1/finance/interconnect',
      '/v1/finance/interconnect/{network}/messages',
    ]) {
      const csv = operation('get', path).responses['200'].content['text/csv'];
      expect(csv.schema).toEqual({ type: 'string' });
      expect(csv.example).toMatch(/^[a-zA-Z,]+\r\n/);
    }
  });

  it('leaves /health public: documented, without security', () => {
    expect(operation('get', '/health')).toBeDefined();
    expect(operation('get', '/health').security).toBeUndefined();
    expect(document.security).toBeUndefined();
  });

  it('documents exactly what the API answers, for every route and status', async () => {
    const msisdn = '447700900123';
    const admin = apiClient(ledger.url);
    const retail = apiClient(ledger.url, KEYS.retail);
    const purchase = { purchaseId: 'DOC-1', boltOn: 'GBP16', purchasedAt: '2003-04-01T09:00:00Z' };
    const outbound = messageSent({
      messageId: 'MMSC1-20030402-000017',
      kind: 'MMS',
      sender: { msisdn, network: 'O2-UK' },
      recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
      mms: { sizeBytes: 30500, content: ['image', 'audio', 'text'] },
    });
    const roaming = messageSent({
      messageId: 'SMSC2-20030402-004711',
      sentAt: '2003-04-02T11:02:41Z',
      sender: { msisdn, network: 'O2-UK' },
      recipient: { msisdn: '447900900789', network: 'ORANGE-UK' },
      roamingCountry: 'FR',
    });
    const rejected = messageSent({
      sender: { msisdn: '447800900456', network: 'VODAFONE-UK' },
      recipient: { msisdn: '447900900789', network: 'ORANGE-UK' },
    });
    const inbound = messageSent({
      messageId: 'SMSC1-20030402-000230',
      sentAt: '2003-04-02T10:21:07Z',
      sender: { msisdn: '447800900456', network: 'VODAFONE-UK' },
      recipient: { msisdn, network: 'O2-UK' },
    });
    const answers: [Method, string, number, { status: number; body: unknown }][] = [];
    const answer = (method: Method, path: string, status: number, response: { status: number; body: unknown }) =>
      answers.push([method, path, status, response]);
    const purchases = '/v1/subscribers/{msisdn}/bolt-ons';

    answer('post', purchases, 201, await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase));
    answer('post', purchases, 200, await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase));
    answer(
      'post',
      purchases,
      409,
      await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, { ...purchase, boltOn: 'GBP3' }),
    );
    const early = { purchaseId: 'DOC-2', boltOn: 'GBP16', purchasedAt: '2003-03-31T09:00:00Z' };
    answer('post', purchases, 422, await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, early));
    answer('post', purchases, 400, await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, { purchaseId: 'DOC-3' }));
    answer(
      'post',
      purchases,
      401,
      await apiClient(ledger.url, null).post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase),
    );
    answer(
      'post',
      purchases,
      403,
      await apiClient(ledger.url, KEYS.finance).post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase),
    );

    await network.send(environment.topic(TOPICS.messageSent), [
      { key: msisdn, value: JSON.stringify(outbound) },
      { key: msisdn, value: JSON.stringify(roaming) },
      { key: '447800900456', value: JSON.stringify(inbound) },
      { key: '447800900456', value: JSON.stringify(rejected) },
      { key: msisdn, value: 'this is not json' },
    ]);
    await eventually(async () => {
      expect((await admin.get(`/v1/messages/${String(inbound.messageId)}`)).status).toBe(200);
      for (const message of [outbound, roaming, rejected]) {
        expect((await admin.get(`/v1/messages/${String(message.messageId)}`)).status).toBe(200);
      }
    });

    const gets: [string, string, number, string | null][] = [
      ['/v1/subscribers/{msisdn}/balance', `/v1/subscribers/${msisdn}/balance`, 200, KEYS.retail],
      [
        '/v1/subscribers/{msisdn}/balance',
        `/v1/subscribers/${msisdn}/balance?at=2003-04-01T10:00:00Z`,
        200,
        KEYS.finance,
      ],
      ['/v1/subscribers/{msisdn}/balance', '/v1/subscribers/12345/balance', 400, KEYS.retail],
      ['/v1/subscribers/{msisdn}/charges', `/v1/subscribers/${msisdn}/charges?limit=1`, 200, KEYS.retail],
      ['/v1/subscribers/{msisdn}/charges', `/v1/subscribers/${msisdn}/charges?from=2003-04-02`, 400, KEYS.retail],
      ['/v1/subscribers/{msisdn}/charges', `/v1/subscribers/${msisdn}/charges`, 401, null],
      ['/v1/messages/{messageId}', `/v1/messages/${String(outbound.messageId)}`, 200, KEYS.finance],
      ['/v1/messages/{messageId}', `/v1/messages/${String(inbound.messageId)}`, 200, KEYS.finance],
      ['/v1/messages/{messageId}', `/v1/messages/${String(rejected.messageId)}`, 200, KEYS.finance],
      ['/v1/messages/{messageId}', `/v1/messages/${'M'.repeat(129)}`, 400, KEYS.finance],
      ['/v1/messages/{messageId}', '/v1/messages/NO-SUCH-MESSAGE', 404, KEYS.finance],
      ['/v1/messages/{messageId}', '/v1/messages/NO-SUCH-MESSAGE', 403, KEYS.retail],
      ['/v1/finance/revenue', '/v1/finance/revenue?from=2003-04-01&to=2003-04-02', 200, KEYS.finance],
      ['/v1/finance/revenue', '/v1/finance/revenue?from=2003-04-02&to=2003-04-01', 400, KEYS.finance],
      ['/v1/finance/revenue', '/v1/finance/revenue?from=2003-04-01&to=2003-04-02', 403, KEYS.retail],
      ['/v1/finance/interconnect', '/v1/finance/interconnect?from=2003-04-01&to=2003-04-02', 200, KEYS.finance],
      ['/v1/finance/interconnect', '/v1/finance/interconnect?from=2003-4-1&to=2003-04-02', 400, KEYS.finance],
      [
        '/v1/finance/interconnect/{network}/messages',
        '/v1/finance/interconnect/VODAFONE-UK/messages?date=2003-04-02&limit=1',
        200,
        KEYS.finance,
      ],
      [
        '/v1/finance/interconnect/{network}/messages',
        '/v1/finance/interconnect/O2-UK/messages?date=2003-04-02',
        400,
        KEYS.finance,
      ],
      ['/v1/rejections', '/v1/rejections', 200, KEYS.finance],
      ['/v1/rejections', '/v1/rejections?limit=0', 400, KEYS.finance],
      ['/v1/ingest', '/v1/ingest', 200, KEYS.finance],
      ['/v1/ingest', '/v1/ingest', 401, 'not-a-key-at-all'],
      ['/v1/ingest', '/v1/ingest', 403, KEYS.retail],
    ];
    for (const [path, url, status, key] of gets) answer('get', path, status, await apiClient(ledger.url, key).get(url));

    // The answers exercise every field, nullable or not, that the documents promise.
    const charges = answers.find(([, path, status]) => path === '/v1/subscribers/{msisdn}/charges' && status === 200);
    expect((charges?.[3].body as { nextCursor: unknown }).nextCursor).toEqual(expect.any(String));
    const statuses = answers
      .filter(([, path, status]) => path === '/v1/messages/{messageId}' && status === 200)
      .map(([, , , response]) => (response.body as { status: string }).status);
    expect(statuses.sort()).toEqual(['CHARGED', 'RECORDED', 'REJECTED']);
    const rejections = answers.find(([, path, status]) => path === '/v1/rejections' && status === 200);
    expect((rejections?.[3].body as { items: { source: string }[] }).items.map(({ source }) => source).sort()).toEqual(
      expect.arrayContaining(['api', 'kafka']),
    );

    for (const [method, path, status, response] of answers) {
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      const schema = jsonSchema(method, path, status);
      expect({ method, path, status, documented: Boolean(schema) }).toEqual({ method, path, status, documented: true });
      expect({ method, path, status, departures: departures(document, schema, response.body) }).toEqual({
        method,
        path,
        status,
        departures: [],
      });
    }
  });

  it('gives CSV examples with the columns the API answers', async () => {
    const finance = apiClient(ledger.url, KEYS.finance);
    for (const [path, url] of [
      ['/v1/finance/revenue', '/v1/finance/revenue?from=2003-04-01&to=2003-04-02&format=csv'],
      ['/v1/finance/interconnect', '/v1/finance/interconnect?from=2003-04-01&to=2003-04-02&format=csv'],
      [
        '/v1/finance/interconnect/{network}/messages',
        '/v1/finance/interconnect/VODAFONE-UK/messages?date=2003-04-02&format=csv',
      ],
    ]) {
      const response = await finance.get(url);
      expect(response.status).toBe(200);
      const example: string = operation('get', path).responses['200'].content['text/csv'].example;
      expect(String(response.body).split('\r\n')[0]).toBe(example.split('\r\n')[0]);
    }
  });
});
