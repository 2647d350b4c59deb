import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { decodeRecord } from '@ledger/app/ingest/application/decode-record.js';
import { ADVISORY_LOCKS } from '@ledger/app/platform/database/advisory-locks.js';
import { LedgerWriter } from '@ledger/app/rating/application/ledger-writer.service.js';
import { FeedReader, feedProblems, messageEvents } from '../support/feed-reader.js';
import {
  apiClient,
  createDatabase,
  eventually,
  isolatedEnvironment,
  messageSent,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';

const { Kafka, logLevel } = kafkajs;

/** The relay's Postgres advisory lock: whoever holds it is the one relay of the database. */
const RELAY_LOCK = ADVISORY_LOCKS.ratedFeedRelay;

async function metric(url: string, name: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line === undefined ? null : Number(line.slice(name.length + 1));
}

describe('the rated-message feed in any commit order', () => {
  const environment = isolatedEnvironment('feedorder');
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;
  let feed: FeedReader;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 3 });
    feed = await FeedReader.start(environment.env.KAFKA_BROKERS, environment.topic(TOPICS.messageRated));
  });

  afterAll(async () => {
    await feed?.stop();
    await pool?.end();
    await network?.close();
    await ledger?.close();
  });

  it('publishes the message of a transaction that commits after later ones exactly once, the positions contiguous', async () => {
    const late = messageSent({ messageId: 'LATE-0001', sender: { msisdn: '447700930001', network: 'O2-UK' } });
    const decoded = decodeRecord(TOPICS.messageSent, Buffer.from(JSON.stringify(late)));
    if (!decoded.readable) throw new Error(decoded.detail);
    // The ledger's own write path in a transaction the test holds open, as a slow slice would be.
    const held = await pool.connect();
    await held.query('BEGIN');
    try {
      await ledger.app.get(LedgerWriter).rate(held, [
        {
          command: decoded.command,
          origin: { source: 'api', topic: null, partition: null, offset: null, key: null, payload: Buffer.alloc(0) },
        },
      ]);
      const later = Array.from({ length: 40 }, (_, index) =>
        messageSent({
          messageId: `LATER-${String(index).padStart(4, '0')}`,
          sentAt: new Date(Date.UTC(2003, 3, 2, 0, 0, index)).toISOString(),
          sender: { msisdn: `44770093${String(1001 + (index % 4)).padStart(4, '0')}`, network: 'O2-UK' },
        }),
      );
      await network.send(
        environment.topic(TOPICS.messageSent),
        later.map((message) => ({
          key: (message.sender as { msisdn: string }).msisdn,
          value: JSON.stringify(message),
        })),
      );
      // Every later message committed (in the event store and the charges) while the first is still open.
      await eventually(async () => {
        const committed = await pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM charges WHERE message_id LIKE 'LATER-%'",
        );
        expect(Number(committed.rows[0].n)).toBe(later.length);
      }, 30_000);
      // Time for the relay to go round several times with the later ones visible.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(feed.live.map(({ messageId }) => messageId)).not.toContain('LATE-0001');
      await held.query('COMMIT');
    } catch (error) {
      await held.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      held.release();
    }

    const events = await messageEvents(pool);
    expect(events).toHaveLength(41);
    await eventually(() => Promise.resolve(expect(feed.live.length).toBeGreaterThanOrEqual(events.length)), 30_000);
    // A while more, for anything published twice to show.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(feedProblems(feed.live, events)).toEqual([]);
    const lateRecord = feed.live.find(({ messageId }) => messageId === 'LATE-0001')!;
    // A first rating's feed record is the charge with `correction: null` where the API lists `corrections: []`.
    const { globalPosition, correction, ...charge } = lateRecord.body;
    expect(String(globalPosition)).toBe(
      String(events.find(({ messageId }) => messageId === 'LATE-0001')!.globalPosition),
    );
    expect(correction).toBeNull();
    const { corrections, ...answered } = (await apiClient(ledger.url).get('/v1/messages/LATE-0001')).body;
    expect(corrections).toEqual([]);
    expect(charge).toEqual(answered);
  });

  it('never shows what a fenced relay sent, and goes on publishing each message once after the fence', async () => {
    const topic = environment.topic(TOPICS.messageRated);
    const kafka = new Kafka({
      clientId: 'zombie-relay',
      brokers: [environment.env.KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    // A second relay under the feed's transactional id: it fences the ledger's producer as it starts.
    const zombie = kafka.producer({
      transactionalId: `message-ledger.rated-feed.${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await zombie.connect();
    const transaction = await zombie.transaction();
    await transaction.send({
      topic,
      messages: [{ key: '447700930001', value: JSON.stringify({ messageId: 'ZOMBIE-0001', globalPosition: '0' }) }],
    });
    const more = Array.from({ length: 20 }, (_, index) =>
      messageSent({
        messageId: `AFTER-FENCE-${String(index).padStart(4, '0')}`,
        sentAt: new Date(Date.UTC(2003, 3, 3, 0, 0, index)).toISOString(),
        sender: { msisdn: `44770093${String(1001 + (index % 4)).padStart(4, '0')}`, network: 'O2-UK' },
      }),
    );
    await network.send(
      environment.topic(TOPICS.messageSent),
      more.map((message) => ({ key: (message.sender as { msisdn: string }).msisdn, value: JSON.stringify(message) })),
    );
    const events = await eventually(async () => {
      const all = await messageEvents(pool);
      expect(all).toHaveLength(61);
      return all;
    }, 30_000);
    // The ledger's relay takes its id back (fencing the zombie in turn) and publishes the rest.
    await eventually(() => Promise.resolve(expect(feed.live.length).toBeGreaterThanOrEqual(61)), 60_000);
    await expect(transaction.commit()).rejects.toThrow();
    await zombie.disconnect().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(feed.live.map(({ messageId }) => messageId)).not.toContain('ZOMBIE-0001');
    expect(feedProblems(feed.live, events)).toEqual([]);
  });
});

describe('a hot subscriber in the rated-message feed', () => {
  const environment = isolatedEnvironment('feedhot');
  const msisdn = '447700940001';
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;
  let feed: FeedReader;
  let lockHolder: pg.Client;

  beforeAll(async () => {
    await createDatabase(environment);
    // The test holds the relay's lock before the service starts: nothing is published until it lets go.
    lockHolder = new pg.Client({ connectionString: environment.env.DATABASE_URL });
    await lockHolder.connect();
    await lockHolder.query('SELECT pg_advisory_lock($1)', [RELAY_LOCK]);
    ledger = await startLedger(environment);
    network = await upstream();
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 3 });
    feed = await FeedReader.start(environment.env.KAFKA_BROKERS, environment.topic(TOPICS.messageRated));
  });

  afterAll(async () => {
    await lockHolder?.end().catch(() => undefined);
    await feed?.stop();
    await pool?.end();
    await network?.close();
    await ledger?.close();
  });

  it('publishes all 3,000 messages of one subscriber with 128-character ids once the relay is let go', async () => {
    const api = apiClient(ledger.url);
    const longId = (prefix: string, index: number): string =>
      `${prefix}-${String(index).padStart(5, '0')}-`.padEnd(128, 'x');
    // Seven bolt-ons with 128-character purchase ids: allocations that name them make every charge large.
    for (let index = 0; index < 7; index += 1) {
      const purchase = await api.post(`/v1/subscribers/${msisdn}/bolt-ons`, {
        purchaseId: longId('HOT-P', index),
        boltOn: 'GBP16',
        purchasedAt: `2003-04-01T0${index}:00:00Z`,
      });
      expect(purchase.status).toBe(201);
    }
    const messages = Array.from({ length: 3_000 }, (_, index) =>
      messageSent({
        messageId: longId('HOT-M', index),
        sentAt: new Date(Date.UTC(2003, 3, 2, 0, 0, 0, index)).toISOString(),
        sender: { msisdn, network: 'O2-UK' },
      }),
    );
    for (let start = 0; start < messages.length; start += 500) {
      await network.send(
        environment.topic(TOPICS.messageSent),
        messages.slice(start, start + 500).map((message) => ({ key: msisdn, value: JSON.stringify(message) })),
      );
    }
    await eventually(async () => {
      const recorded = await pool.query<{ n: string }>('SELECT count(*) AS n FROM charges');
      expect(Number(recorded.rows[0].n)).toBe(messages.length);
    }, 60_000);
    expect(feed.live).toHaveLength(0);
    // The depth and age of what waits are visible while the relay is held.
    await eventually(async () => expect(await metric(ledger.url, 'ledger_feed_outbox_depth')).toBe(3_000), 20_000);
    expect(await metric(ledger.url, 'ledger_feed_outbox_oldest_age_seconds')).toBeGreaterThan(0);

    await lockHolder.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]);
    await eventually(
      () => Promise.resolve(expect(feed.live.length).toBeGreaterThanOrEqual(messages.length)),
      90_000,
      250,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const events = await messageEvents(pool);
    expect(events).toHaveLength(messages.length);
    expect(feedProblems(feed.live, events)).toEqual([]);
    // The allocations really did name the long purchase ids (the records are as large as intended).
    expect(feed.live.filter(({ body }) => (body.allocations as unknown[]).length > 0).length).toBeGreaterThan(2_000);
    await eventually(async () => expect(await metric(ledger.url, 'ledger_feed_outbox_depth')).toBe(0), 20_000);
    expect(await metric(ledger.url, 'ledger_feed_outbox_oldest_age_seconds')).toBe(0);
  });
});
