import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import pg from 'pg';
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

const { Kafka, logLevel } = kafkajs;

interface FeedRecord {
  partition: number;
  key: string;
  messageId: string;
  status: string;
  outboxId: string;
  body: Record<string, unknown>;
}

describe('the rated-message feed for downstream billing', () => {
  const environment = isolatedEnvironment('ratedfeed');
  const kafka = new Kafka({
    clientId: 'feed-reader',
    brokers: [environment.env.KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  });
  const feed: FeedRecord[] = [];
  let consumer: kafkajs.Consumer;
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;

  const subscribers = ['447700920001', '447700920002', '447700920003', '447700920004'];
  // Mostly charged (some from a bolt-on), some recorded inbound, some rejected: every shape of charge.
  const produced = Array.from({ length: 200 }, (_, index) =>
    messageSent({
      messageId: `FEED-${String(index).padStart(4, '0')}`,
      sentAt: new Date(Date.UTC(2003, 3, 2, 0, 0, index)).toISOString(),
      sender: { msisdn: subscribers[index % subscribers.length], network: 'O2-UK' },
      ...(index % 10 === 3
        ? {
            recipient: { msisdn: '447800900456', network: 'THREE-UK' },
            kind: 'MMS',
            mms: { sizeBytes: 1, content: ['image'] },
          }
        : {}),
      ...(index % 10 === 7 ? { roamingCountry: 'FR' } : {}),
    }),
  );

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    // A bolt-on for the first subscriber, so that some of its messages take units.
    const purchase = await apiClient(ledger.url).post(`/v1/subscribers/${subscribers[0]}/bolt-ons`, {
      purchaseId: 'FEED-P-1',
      boltOn: 'GBP3',
      purchasedAt: '2003-04-01T00:00:00Z',
    });
    expect(purchase.status).toBe(201);
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
    consumer = kafka.consumer({ groupId: `feed-reader-${environment.prefix}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [environment.topic(TOPICS.messageRated)], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const body = JSON.parse(message.value!.toString()) as { messageId: string; status: string };
        const full = JSON.parse(message.value!.toString()) as Record<string, unknown>;
        feed.push({
          partition,
          key: message.key!.toString(),
          messageId: body.messageId,
          status: body.status,
          outboxId: String(message.headers!['ledger-outbox-id']),
          body: full,
        });
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await pool?.end();
    await network?.close();
    await ledger?.close();
  });

  it('publishes each rated message once, in order per subscriber', async () => {
    await network.send(
      environment.topic(TOPICS.messageSent),
      produced.map((message) => ({
        key: (message.sender as { msisdn: string }).msisdn,
        value: JSON.stringify(message),
      })),
    );
    await eventually(() => Promise.resolve(expect(feed).toHaveLength(produced.length)), 30_000);
    expect(new Set(feed.map(({ messageId }) => messageId)).size).toBe(produced.length);
    for (const msisdn of subscribers) {
      const ids = feed.filter(({ key }) => key === msisdn).map(({ messageId }) => messageId);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(feed.filter(({ key }) => key === msisdn).map(({ partition }) => partition)).size).toBe(1);
    }
    expect(new Set(feed.map(({ status }) => status))).toEqual(new Set(['CHARGED', 'REJECTED']));
    await eventually(async () => {
      const left = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
      expect(Number(left.rows[0].n)).toBe(0);
    });
  });

  it('publishes each message exactly as the API shows its charge, with its place in the log', async () => {
    const api = apiClient(ledger.url);
    for (const record of feed) {
      const { globalPosition, correction, ...charge } = record.body;
      expect(globalPosition).toMatch(/^\d+$/);
      expect(correction).toBeNull();
      // The feed carries each correction as a record of its own, not the charge's list of them.
      const { corrections, ...shown } = (await api.get(`/v1/messages/${record.messageId}`)).body;
      expect(corrections).toEqual([]);
      expect(charge).toEqual(shown);
    }
    expect(feed.some(({ body }) => (body.allocations as unknown[]).length > 0)).toBe(true);
  });

  it('repeats nothing when a relay died after publishing but before emptying the outbox', async () => {
    // Put back rows Kafka already has, as a relay that crashed before its delete would leave them.
    const published = feed.slice(-20);
    await ledger.close();
    for (const record of published) {
      await pool.query(
        `INSERT INTO outbox (id, message_key, message_id, global_position)
         SELECT $1, $2, message_id, global_position FROM charges WHERE message_id = $3`,
        [record.outboxId, record.key, record.messageId],
      );
    }
    ledger = await startLedger(environment);
    await eventually(async () => {
      const left = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
      expect(Number(left.rows[0].n)).toBe(0);
    }, 30_000);
    const extra = messageSent({
      messageId: 'FEED-AFTER',
      sentAt: '2003-04-03T00:00:00Z',
      sender: { msisdn: subscribers[0], network: 'O2-UK' },
    });
    await network.send(environment.topic(TOPICS.messageSent), [{ key: subscribers[0], value: JSON.stringify(extra) }]);
    await eventually(
      () => Promise.resolve(expect(feed.map(({ messageId }) => messageId)).toContain('FEED-AFTER')),
      30_000,
    );
    expect(feed).toHaveLength(produced.length + 1);
  });
});
