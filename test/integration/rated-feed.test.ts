import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import pg from 'pg';
import {
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
  const produced = Array.from({ length: 200 }, (_, index) =>
    messageSent({
      messageId: `FEED-${String(index).padStart(4, '0')}`,
      sentAt: new Date(Date.UTC(2003, 3, 2, 0, 0, index)).toISOString(),
      sender: { msisdn: subscribers[index % subscribers.length], network: 'O2-UK' },
    }),
  );

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
    consumer = kafka.consumer({ groupId: `feed-reader-${environment.prefix}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [environment.topic(TOPICS.messageRated)], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const body = JSON.parse(message.value!.toString()) as { messageId: string; status: string };
        feed.push({
          partition,
          key: message.key!.toString(),
          messageId: body.messageId,
          status: body.status,
          outboxId: String(message.headers!['ledger-outbox-id']),
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
    expect(feed.every(({ status }) => status === 'CHARGED')).toBe(true);
    await eventually(async () => {
      const left = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
      expect(Number(left.rows[0].n)).toBe(0);
    });
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
