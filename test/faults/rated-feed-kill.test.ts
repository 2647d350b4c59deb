import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { ADVISORY_LOCKS } from '@ledger/app/platform/database/advisory-locks.js';
import { TOPICS } from '@ledger/contracts';
import { createDatabase, eventually } from '../support/ledger-harness.js';
import { FeedReader, feedProblems, messageEvents } from '../support/feed-reader.js';
import type { ServiceProcess } from '../support/service-process.js';
import { Scenario } from './fault-scenario.js';
import { sleep } from './fault-workload.js';

/** The relay's Postgres advisory lock (one relay per database). */
const RELAY_LOCK = ADVISORY_LOCKS.ratedFeedRelay;

/**
 * The feed's exactly-once acceptance: 50,000 messages over 1,000 subscribers, 6 partitions, two
 * instances, and the instance that holds the relay SIGKILLed twice while it publishes. What billing
 * reads on ledger.message-rated.v1 (read committed) is checked against the event store itself. About
 * 70 s on an idle 2-core machine; the timeout leaves room for a machine shared with other builds.
 */
describe('the rated-message feed while the relaying instance is SIGKILLed', () => {
  let run: Scenario | null = null;
  let feed: FeedReader | null = null;

  afterEach(async () => {
    await feed?.stop();
    await run?.close();
    run = null;
    feed = null;
  }, 120_000);

  it('publishes each of 50,000 messages exactly once, in order per subscriber', async () => {
    run = Scenario.create('feed-kill', { messages: 50_000, subscribers: 1_000 });
    run.environment.env.KAFKA_TOPIC_PARTITIONS = '6';
    const scenario = run;
    // Each instance names its Postgres connections, so that the test can tell which one holds the relay.
    const withName = (name: string): Record<string, string> => {
      const url = new URL(scenario.environment.env.DATABASE_URL);
      url.searchParams.set('application_name', `feed-kill-${name}`);
      return { DATABASE_URL: url.toString() };
    };
    const instances = new Map<string, ServiceProcess>([
      ['feed-kill-a', run.instance('a', withName('a'))],
      ['feed-kill-b', run.instance('b', withName('b'))],
    ]);
    for (const instance of instances.values()) await instance.start();
    await run.connect();
    await run.purchaseBoltOns();
    feed = await FeedReader.start(run.environment.env.KAFKA_BROKERS, run.environment.topic(TOPICS.messageRated));
    const reader = feed;

    const relayHolder = async (): Promise<ServiceProcess> => {
      const holder = await eventually(async () => {
        const result = await scenario.pool.query<{ application_name: string }>(
          `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [RELAY_LOCK],
        );
        expect(result.rows).toHaveLength(1);
        return result.rows[0].application_name;
      }, 30_000);
      const instance = instances.get(holder);
      if (!instance) throw new Error(`the relay lock is held by ${holder}, not by an instance of the test`);
      return instance;
    };

    const parts = run.messageParts([1, 1, 1]);
    for (let kill = 1; kill <= 2; kill += 1) {
      const before = reader.live.length;
      const producing = run.producer.send(run.topics.messageSent, parts[kill - 1], 250, 10);
      // Kill it at work: once it has published part of what this round produces.
      await eventually(() => Promise.resolve(expect(reader.live.length).toBeGreaterThan(before + 2_000)), 90_000, 20);
      const holder = await relayHolder();
      await holder.kill('SIGKILL');
      run.log.note(
        `SIGKILL #${kill} of ${holder.name}, the relay: ${reader.live.length} on the feed; ${await run.progress()}`,
      );
      await producing;
      await holder.start();
      run.log.note(`${holder.name} back: ${await run.progress()}`);
    }
    await run.producer.send(run.topics.messageSent, parts[2], 500);
    const [first] = instances.values();
    expect(await run.exactlyOnceProblems(first.url, 180_000)).toEqual([]);

    const events = await messageEvents(run.pool);
    expect(events.length).toBeGreaterThan(45_000);
    await eventually(
      () => Promise.resolve(expect(reader.live.length).toBeGreaterThanOrEqual(events.length)),
      120_000,
      250,
    );
    // A while more, for a record published twice to show.
    await sleep(2_000);
    run.log.note(`${reader.live.length} records on the feed for ${events.length} message events`);
    expect(feedProblems(reader.live, events)).toEqual([]);
  }, 480_000);

  it('shows nothing of a transaction of several sends cut by SIGKILL, and publishes its backlog once after', async () => {
    run = Scenario.create('feed-kill-txn', { messages: 24_000, subscribers: 1_000 });
    run.environment.env.KAFKA_TOPIC_PARTITIONS = '6';
    const scenario = run;
    const topic = run.environment.topic(TOPICS.messageRated);
    // The test holds the relay's lock before the service starts: the feed waits while the backlog is recorded.
    await createDatabase(run.environment);
    const lockHolder = new pg.Client({ connectionString: run.environment.env.DATABASE_URL });
    await lockHolder.connect();
    await lockHolder.query('SELECT pg_advisory_lock($1)', [RELAY_LOCK]);
    const { Kafka, logLevel } = kafkajs;
    const kafka = new Kafka({
      clientId: 'feed-kill-txn',
      brokers: [run.environment.env.KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    // Everything the relay sends, committed or not.
    const uncommitted = kafka.consumer({
      groupId: `feed-uncommitted-${randomBytes(4).toString('hex')}`,
      readUncommitted: true,
      maxWaitTimeInMs: 50,
    });
    // Partition and offset of each record seen, so that a batch handed over again is not counted twice.
    const sent = new Set<string>();
    try {
      const instance = run.instance('a');
      await instance.start();
      await run.connect();
      await run.purchaseBoltOns();
      feed = await FeedReader.start(run.environment.env.KAFKA_BROKERS, topic);
      const reader = feed;
      await uncommitted.connect();
      await uncommitted.subscribe({ topics: [topic], fromBeginning: true });
      await uncommitted.run({
        eachBatch: ({ batch }) => {
          for (const message of batch.messages) sent.add(`${batch.partition}@${message.offset}`);
          return Promise.resolve();
        },
      });
      await run.producer.send(run.topics.messageSent, run.workload.messages, 1_000);
      expect(await run.exactlyOnceProblems(instance.url, 120_000)).toEqual([]);
      const events = await messageEvents(scenario.pool);
      expect(events.length).toBeGreaterThan(20_000);
      expect(reader.live).toHaveLength(0);

      // Let go: the relay takes the backlog in sends of 5,000, several to a Kafka transaction. Once the
      // first send is on the topic (uncommitted), the instance dies with its transaction open.
      await lockHolder.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]);
      await eventually(() => Promise.resolve(expect(sent.size).toBeGreaterThan(0)), 60_000, 5);
      await instance.kill('SIGKILL');
      await sleep(1_500);
      run.log.note(`SIGKILL: ${sent.size} records sent, ${reader.live.length} of them committed`);
      // Records sent and never committed: the kill cut a transaction open.
      expect(reader.live.length).toBeLessThan(sent.size);

      // The instance back: its relay fences the open transaction (aborted) and publishes the rest once.
      await instance.start();
      await eventually(
        () => Promise.resolve(expect(reader.live.length).toBeGreaterThanOrEqual(events.length)),
        120_000,
        250,
      );
      await sleep(2_000);
      run.log.note(`${reader.live.length} records on the feed, ${sent.size} sent, for ${events.length} message events`);
      expect(feedProblems(reader.live, events)).toEqual([]);
    } finally {
      await uncommitted.disconnect().catch(() => undefined);
      await lockHolder.end().catch(() => undefined);
    }
  }, 300_000);
});
