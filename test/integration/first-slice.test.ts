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

describe('from Kafka through the event store to the API', () => {
  const environment = isolatedEnvironment('firstslice');
  let ledger: RunningLedger;
  let network: Upstream;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
  });

  afterAll(async () => {
    await network?.close();
    await ledger?.close();
  });

  it('answers /health with 200 once consuming', async () => {
    await eventually(async () => {
      const response = await apiClient(ledger.url, null).get('/health');
      expect(response.status).toBe(200);
    });
  });

  it('charges a message produced upstream and shows it by id and in the sender charges', async () => {
    const message = messageSent({ sender: { msisdn: '447700900001', network: 'O2-UK' } });
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: '447700900001', value: JSON.stringify(message) },
    ]);
    const api = apiClient(ledger.url);
    const charge = await eventually(async () => {
      const response = await api.get(`/v1/messages/${String(message.messageId)}`);
      expect(response.status).toBe(200);
      return response.body;
    });
    expect(charge).toEqual({
      messageId: message.messageId,
      kind: 'SMS',
      sentAt: '2003-04-02T10:15:00Z',
      sender: { msisdn: '447700900001', network: 'O2-UK' },
      recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
      roamingCountry: null,
      status: 'CHARGED',
      reason: null,
      units: 0,
      pence: 10,
      allocations: [],
      tariffVersion: 1,
      corrections: [],
    });
    const charges = await api.get('/v1/subscribers/447700900001/charges');
    expect(charges.status).toBe(200);
    expect(charges.body).toEqual({ items: [charge], nextCursor: null });
  });

  it('records each record once although it is delivered twice', async () => {
    const message = messageSent({
      sender: { msisdn: '447700900002', network: 'O2-UK' },
      kind: 'MMS',
      mms: { sizeBytes: 100, content: ['image'] },
    });
    const record = { key: '447700900002', value: JSON.stringify(message) };
    await network.send(environment.topic(TOPICS.messageSent), [record, record]);
    const api = apiClient(ledger.url);
    await eventually(async () => {
      const ingest = await api.get('/v1/ingest');
      const lag = ingest.body.partitions.reduce((sum: number, p: { lag: string }) => sum + Number(p.lag), 0);
      expect(lag).toBe(0);
    });
    const charges = await api.get('/v1/subscribers/447700900002/charges');
    expect(charges.body.items).toHaveLength(1);
    expect(charges.body.items[0]).toMatchObject({ status: 'CHARGED', pence: 35 });
  });

  it('keeps an unreadable record in the rejections and goes on with the next', async () => {
    const good = messageSent({ sender: { msisdn: '447700900003', network: 'O2-UK' } });
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: '447700900003', value: 'this is not json' },
      { key: '447700900003', value: JSON.stringify(good) },
    ]);
    const api = apiClient(ledger.url);
    await eventually(async () => expect((await api.get(`/v1/messages/${String(good.messageId)}`)).status).toBe(200));
    const rejections = await api.get('/v1/rejections');
    expect(rejections.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'NOT_JSON', payload: 'this is not json', key: '447700900003' }),
      ]),
    );
  });

  it('shows where consumption stands per partition', async () => {
    const ingest = await apiClient(ledger.url, KEYS.finance).get('/v1/ingest');
    expect(ingest.status).toBe(200);
    expect(ingest.body.partitions.length).toBe(6);
    for (const partition of ingest.body.partitions) {
      expect(partition).toEqual({
        topic: expect.stringMatching(environment.prefix),
        partition: expect.any(Number),
        nextOffset: expect.stringMatching(/^\d+$/),
        highWatermark: expect.stringMatching(/^\d+$/),
        lag: expect.stringMatching(/^\d+$/),
        gap: null,
      });
    }
  });

  it('refuses calls without a key, and with the wrong role', async () => {
    expect((await apiClient(ledger.url, null).get('/v1/ingest')).status).toBe(401);
    expect((await apiClient(ledger.url, 'not-a-key-at-all').get('/v1/ingest')).status).toBe(401);
    expect((await apiClient(ledger.url, KEYS.retail).get('/v1/ingest')).status).toBe(403);
  });
});
