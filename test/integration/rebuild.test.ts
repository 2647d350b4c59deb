import { TOPICS } from '@ledger/contracts';
import { PostgresEventStore } from '@ledger/event-store';
import pg from 'pg';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { rebuildReadModels, verifyReadModels } from '@ledger/app/read-models/read-model-maintenance.js';
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

describe('rebuilding the read models from the event store', () => {
  const environment = isolatedEnvironment('rebuild');
  const projections = READ_MODEL_PROJECTIONS.map((Projection) => new Projection());
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
    const api = apiClient(ledger.url);
    const subscribers = ['447700910001', '447700910002', '447700910003'];
    for (const [index, msisdn] of subscribers.entries()) {
      const purchase = await api.post(`/v1/subscribers/${msisdn}/bolt-ons`, {
        purchaseId: `RB-${index}`,
        boltOn: 'GBP3',
        purchasedAt: '2003-04-01T09:00:00Z',
      });
      expect(purchase.status).toBe(201);
    }
    const records = Array.from({ length: 300 }, (_, index) => {
      const msisdn = subscribers[index % subscribers.length];
      const message = messageSent({
        messageId: `RB-MSG-${index}`,
        kind: index % 3 === 0 ? 'MMS' : 'SMS',
        sentAt: new Date(Date.UTC(2003, 3, 2, 0, index)).toISOString(),
        sender: { msisdn, network: 'O2-UK' },
        ...(index % 3 === 0 ? { mms: { sizeBytes: 1000, content: ['image'] } } : {}),
      });
      return { key: msisdn, value: JSON.stringify(message) };
    });
    await network.send(environment.topic(TOPICS.messageSent), records);
    await eventually(async () => {
      const count = await pool.query<{ n: string }>('SELECT count(*) AS n FROM charges');
      expect(Number(count.rows[0].n)).toBe(300);
    }, 30_000);
  });

  afterAll(async () => {
    await pool?.end();
    await network?.close();
    await ledger?.close();
  });

  const verify = async () => {
    const client = await pool.connect();
    try {
      return await verifyReadModels(client, new PostgresEventStore(), projections, () => undefined);
    } finally {
      client.release();
    }
  };

  it('finds the live read models equal to a replay of the event store', async () => {
    expect(await verify()).toEqual([]);
  });

  it('lists a read-model row that drifted from the events', async () => {
    await pool.query(`UPDATE charges SET pence = pence + 1 WHERE message_id = 'RB-MSG-1'`);
    const differences = await verify();
    expect(differences).toEqual([expect.objectContaining({ table: 'charges', onlyLive: 1, onlyRebuilt: 1 })]);
  });

  it('rebuilds every read model to equal the replay, while the service runs', async () => {
    const client = await pool.connect();
    try {
      const replayed = await rebuildReadModels(client, new PostgresEventStore(), projections, () => undefined);
      expect(replayed).toBe(303);
    } finally {
      client.release();
    }
    expect(await verify()).toEqual([]);
    const charge = await apiClient(ledger.url).get('/v1/messages/RB-MSG-1');
    expect(charge.body.pence).toBe(0);
  });
});
