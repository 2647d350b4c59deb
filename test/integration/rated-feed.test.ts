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
import { runLedgerCli } from '../support/service-process.js';

const { Kafka, logLevel } = kafkajs;

interface FeedRecord {
  partition: number;
  key: string;
  messageId: string;
  status: string;
  feedPosition: string;
  headers: Record<string, string>;
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
          feedPosition: String(message.headers!['ledger-feed-position']),
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
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
    expect(feed.map(({ feedPosition }) => Number(feedPosition)).sort((a, b) => a - b)).toEqual(
      produced.map((_, index) => index + 1),
    );
    await eventually(async () => {
      const left = await pool.query<{ feed_position: string }>('SELECT feed_position FROM rated_feed_position');
      expect(Number(left.rows[0].feed_position)).toBe(produced.length);
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

  const sendOne = async (messageId: string, sentAt: string): Promise<void> => {
    const message = messageSent({ messageId, sentAt, sender: { msisdn: subscribers[0], network: 'O2-UK' } });
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: subscribers[0], value: JSON.stringify(message) },
    ]);
  };

  it('repeats nothing when a relay died after publishing but before recording it in Postgres', async () => {
    // Postgres as a relay that died right after its Kafka commit leaves it: knowing nothing published.
    await ledger.close();
    await pool.query(`UPDATE rated_feed_position SET transaction_id = '0', global_position = 0, feed_position = 0`);
    ledger = await startLedger(environment);
    await sendOne('FEED-AFTER', '2003-04-03T00:00:00Z');
    await eventually(
      () => Promise.resolve(expect(feed.map(({ messageId }) => messageId)).toContain('FEED-AFTER')),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(feed).toHaveLength(produced.length + 1);
    expect(feed.find(({ messageId }) => messageId === 'FEED-AFTER')!.feedPosition).toBe(String(produced.length + 1));
  });

  it("resumes from Postgres' record when Kafka no longer has the relay's position", async () => {
    await ledger.close();
    // Kafka drops the offsets of a group idle for longer than offsets.retention.minutes.
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([`message-ledger.rated-feed.${environment.topic(TOPICS.messageRated)}`]);
    await admin.disconnect();
    ledger = await startLedger(environment);
    await sendOne('FEED-AFTER-2', '2003-04-03T00:00:01Z');
    await eventually(
      () => Promise.resolve(expect(feed.map(({ messageId }) => messageId)).toContain('FEED-AFTER-2')),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(feed).toHaveLength(produced.length + 2);
    expect(feed.find(({ messageId }) => messageId === 'FEED-AFTER-2')!.feedPosition).toBe(String(produced.length + 2));
  });

  it('replays the feed from a global position, marked as a replay, for a downstream system that lost it', async () => {
    const live = [...feed];
    const positions = live.map(({ body }) => BigInt(String(body.globalPosition))).sort((a, b) => (a < b ? -1 : 1));
    const from = positions[149];
    const expected = live.filter(({ body }) => BigInt(String(body.globalPosition)) >= from);
    const replay = await runLedgerCli(environment, ['replay-feed', '--from-position', String(from)]);
    expect(replay.code).toBe(0);
    expect(replay.output).toContain(`replayed ${expected.length} rated messages (events ${from} to `);
    const runId = /as run ([0-9a-f-]{36})/.exec(replay.output)?.[1];
    expect(runId).toBeDefined();

    const replayed = (): FeedRecord[] => feed.filter(({ headers }) => headers['ledger-replay'] === 'true');
    await eventually(() => Promise.resolve(expect(replayed()).toHaveLength(expected.length)), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(feed).toHaveLength(live.length + expected.length);
    const byId = new Map(live.map((record) => [record.messageId, record]));
    for (const record of replayed()) {
      const original = byId.get(record.messageId)!;
      expect(record.headers['ledger-replay-run']).toBe(runId);
      expect(record.headers['ledger-feed-position']).toBeUndefined();
      expect(record.body).toEqual(original.body);
      expect({ key: record.key, partition: record.partition }).toEqual({
        key: original.key,
        partition: original.partition,
      });
    }
    expect(new Set(replayed().map(({ messageId }) => messageId))).toEqual(
      new Set(expected.map(({ messageId }) => messageId)),
    );
    for (const msisdn of subscribers) {
      const order = replayed()
        .filter(({ key }) => key === msisdn)
        .map(({ body }) => BigInt(String(body.globalPosition)));
      expect(order).toEqual([...order].sort((a, b) => (a < b ? -1 : 1)));
    }
  });

  it('refuses a replay with no start or a wrong day, saying what to give, and publishes nothing', async () => {
    const before = feed.length;
    const none = await runLedgerCli(environment, ['replay-feed']);
    expect(none.code).toBe(2);
    expect(none.output).toContain('give exactly one of --from-position N or --from-date YYYY-MM-DD');
    const wrongDay = await runLedgerCli(environment, ['replay-feed', '--from-date', '2026-02-30']);
    expect(wrongDay.code).toBe(2);
    expect(wrongDay.output).toContain('--from-date must be a day YYYY-MM-DD, not 2026-02-30');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(feed).toHaveLength(before);
  });
});
