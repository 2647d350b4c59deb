import { randomBytes } from 'node:crypto';
import { deadLetterTopic, TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import { readDeadLetters } from '../faults/fault-scenario.js';
import { isolatedEnvironment, messageSent, startLedger, type RunningLedger } from '../support/ledger-harness.js';
import {
  allRejections,
  chargeStatus,
  CODECS,
  health,
  kcatProduce,
  rejectionPayload,
  testPool,
  waitDrained,
  type RejectionItem,
} from './hostile-support.js';

const { Kafka, logLevel } = kafkajs;

const SENDER = '447700966001';
const OTHER = '447700966002';
const tag = randomBytes(3).toString('hex');
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const outbound = (overrides: Record<string, unknown> = {}): Record<string, unknown> =>
  messageSent({ sender: { msisdn: SENDER, network: 'O2-UK' }, ...overrides });

interface Poison {
  name: string;
  key: Buffer | null;
  value: Buffer;
  reason: string;
  detail: RegExp;
}

/** Records that passed validation and then failed in Postgres before issue 11, and one found by reading. */
const POISONS: Poison[] = [
  {
    name: 'a messageId holding U+0000',
    key: Buffer.from(SENDER),
    value: json(outbound({ messageId: `NUL-\u0000-${tag}` })),
    reason: 'INVALID_RECORD',
    detail: /messageId: must not hold U\+0000/,
  },
  {
    name: 'a lone surrogate in mms.content',
    key: Buffer.from(SENDER),
    value: Buffer.from(
      JSON.stringify(outbound({ messageId: `SUR-${tag}`, kind: 'MMS', mms: { sizeBytes: 10, content: ['\ud800'] } })),
    ),
    reason: 'INVALID_RECORD',
    detail: /mms\.content\.0: must not hold a lone surrogate/,
  },
  {
    name: 'an inbound message sent in year 0',
    key: Buffer.from(SENDER),
    value: json(
      messageSent({
        messageId: `Y0-${tag}`,
        sentAt: '0000-06-01T00:00:00Z',
        sender: { msisdn: '447800900456', network: 'VODAFONE-UK' },
        recipient: { msisdn: SENDER, network: 'O2-UK' },
      }),
    ),
    reason: 'INVALID_RECORD',
    detail: /sentAt: must fall in the years 0001 to 9999/,
  },
  {
    name: 'an outbound SMS sent in year 10000 once in UTC',
    key: Buffer.from(SENDER),
    value: json(outbound({ messageId: `Y10K-${tag}`, sentAt: '9999-12-31T23:30:00-01:00' })),
    reason: 'INVALID_RECORD',
    detail: /sentAt: must fall in the years 0001 to 9999/,
  },
  {
    name: 'a NUL byte in the key of an unreadable value',
    key: Buffer.from([0x34, 0x34, 0x00, 0x37]),
    value: Buffer.from('{"not": json'),
    reason: 'NOT_JSON',
    detail: /JSON/,
  },
  {
    name: 'a NUL byte inside the text of a value that is not JSON',
    key: Buffer.from(SENDER),
    value: Buffer.from('{"messageId": "\u0000 broken'),
    reason: 'NOT_JSON',
    detail: /JSON/,
  },
];

describe('records that cannot be kept poison nothing (issue 11 items 2-4)', () => {
  const environment = isolatedEnvironment('poison');
  const topic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger;
  let pool: pg.Pool;
  let producer: kafkajs.Producer;
  const placed = new Map<string, { partition: number; offset: string }>();

  beforeAll(async () => {
    // The service's own producers compress with zstd here, so the dead letters below travel compressed.
    environment.env.KAFKA_PRODUCER_COMPRESSION = 'zstd';
    ledger = await startLedger(environment);
    pool = testPool(environment);
    const kafka = new Kafka({ brokers: [environment.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await pool?.end();
    await ledger?.close();
    delete process.env.KAFKA_PRODUCER_COMPRESSION;
  });

  const send = async (partition: number, key: Buffer | null, value: Buffer): Promise<string> => {
    const [meta] = await producer.send({ topic, messages: [{ partition, key, value }] });
    return meta.baseOffset!;
  };

  it.each(POISONS)('rejects $name once, with its bytes, and records what follows', async (poison) => {
    const behind = `BEHIND-${tag}-${placed.size}`;
    const beside = `BESIDE-${tag}-${placed.size}`;
    const offset = await send(0, poison.key, poison.value);
    placed.set(poison.name, { partition: 0, offset });
    await send(0, Buffer.from(SENDER), json(outbound({ messageId: behind })));
    await send(
      1,
      Buffer.from(OTHER),
      json(messageSent({ messageId: beside, sender: { msisdn: OTHER, network: 'O2-UK' } })),
    );
    await waitDrained(ledger.url, 20_000);
    expect({ behind: await chargeStatus(ledger.url, behind), beside: await chargeStatus(ledger.url, beside) }).toEqual({
      behind: 200,
      beside: 200,
    });
    const matching = (await allRejections(ledger.url)).filter(
      (item) => item.partition === 0 && item.offset === offset && item.topic === topic,
    );
    expect(matching).toHaveLength(1);
    const [item] = matching;
    expect(item.reason).toBe(poison.reason);
    expect(item.detail).toMatch(poison.detail);
    expect(item.detail).not.toContain('\u0000');
    expect(await rejectionPayload(ledger.url, item.id)).toEqual(poison.value);
    const key = item.key === null ? null : Buffer.from(item.key, item.keyEncoding === 'base64' ? 'base64' : 'utf8');
    expect(key).toEqual(poison.key);
    expect((await health(ledger.url)).status).toBe(200);
  });

  it('rejects alone the record Postgres refuses for a data error, and records every other record of the slice once', async () => {
    // A rule the contracts do not know, enforced by the database: its data exception must poison one record only.
    await pool.query(`
      CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger AS $$
      BEGIN
        IF NEW.message_id LIKE 'DBPOISON-%' THEN
          RAISE EXCEPTION 'message % refused by a rule of the database', NEW.message_id USING ERRCODE = '22023';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON charges FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    try {
      const ids = Array.from({ length: 60 }, (_, index) =>
        index === 17 || index === 41 ? `DBPOISON-${tag}-${index}` : `SLICE-${tag}-${index}`,
      );
      await kcatProduce(
        topic,
        ids.map((messageId) => json(outbound({ messageId }))),
        { codec: 'lz4', partition: 2, key: SENDER },
      );
      await waitDrained(ledger.url, 30_000);
      for (const messageId of ids) {
        expect({ messageId, status: await chargeStatus(ledger.url, messageId) }).toEqual({
          messageId,
          status: messageId.startsWith('DBPOISON') ? 404 : 200,
        });
      }
      const events = await pool.query<{ count: string }>(`SELECT count(*) FROM events WHERE idempotency_key LIKE $1`, [
        `%SLICE-${tag}-%`,
      ]);
      expect(Number(events.rows[0].count)).toBe(58);
      const refused = (await allRejections(ledger.url)).filter((item) => item.detail.includes('refused by a rule'));
      expect(refused.map((item) => item.reason)).toEqual(['INVALID_RECORD', 'INVALID_RECORD']);
      expect(refused.map((item) => item.detail).join(' ')).toMatch(/22023/);
      expect((await health(ledger.url)).status).toBe(200);
    } finally {
      await pool.query('DROP TRIGGER refuse_poison ON charges');
    }
  });

  it('retries a transient failure (a serialisation failure) instead of rejecting the record', async () => {
    await pool.query(`
      CREATE TABLE flaky_once (message_id text PRIMARY KEY);
      CREATE OR REPLACE FUNCTION flaky() RETURNS trigger AS $$
      BEGIN
        IF NEW.message_id LIKE 'FLAKY-%' AND NOT EXISTS (SELECT 1 FROM flaky_once WHERE message_id = NEW.message_id) THEN
          -- Outside the failing transaction, so the next attempt sees that this one happened.
          PERFORM dblink_exec('dbname=' || current_database(), format('INSERT INTO flaky_once VALUES (%L)', NEW.message_id));
          RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;`);
    const dblink = await pool
      .query('CREATE EXTENSION IF NOT EXISTS dblink')
      .then(() => true)
      .catch(() => false);
    if (!dblink) {
      // Without dblink the trigger cannot remember across the rollback: fail the count-based half fairly.
      await pool.query('DROP FUNCTION flaky()');
      await pool.query('DROP TABLE flaky_once');
      throw new Error('the dblink extension is needed for this test (postgresql-contrib)');
    }
    await pool.query('CREATE TRIGGER flaky BEFORE INSERT ON charges FOR EACH ROW EXECUTE FUNCTION flaky()');
    try {
      const messageId = `FLAKY-${tag}`;
      await send(0, Buffer.from(SENDER), json(outbound({ messageId })));
      await waitDrained(ledger.url, 30_000);
      expect(await chargeStatus(ledger.url, messageId)).toBe(200);
      const rejected = (await allRejections(ledger.url)).filter((item) => item.detail.includes(messageId));
      expect(rejected).toEqual([]);
      expect((await pool.query('SELECT * FROM flaky_once')).rowCount).toBe(1);
    } finally {
      await pool.query('DROP TRIGGER flaky ON charges');
    }
  });

  it('puts every rejected record on <topic>.dlq once, compressed as configured, with its key and bytes', async () => {
    const rejections = (await allRejections(ledger.url)).filter((item) => item.topic === topic);
    const letters = await readDeadLetters(environment, deadLetterTopic(topic));
    for (const item of rejections) {
      const letter = letters.get(`${item.partition}:${item.offset}`);
      expect({ offset: item.offset, count: letter?.count }).toEqual({ offset: item.offset, count: 1 });
      expect(letter!.value).toEqual(await rejectionPayload(ledger.url, item.id));
      expect(letter!.headers['ledger-reason']).toBe(item.reason);
    }
    expect([...letters.values()].reduce((sum, { count }) => sum + count, 0)).toBe(rejections.length);
  });

  it.each(CODECS)('reads a batch compressed with %s as librdkafka sends it', async (codec) => {
    const ids = Array.from({ length: 40 }, (_, index) => `${codec.toUpperCase()}-${tag}-${index}`);
    const values = ids.map((messageId) => json(outbound({ messageId })));
    values.splice(20, 0, Buffer.from(`not json, compressed with ${codec}`));
    await kcatProduce(topic, values, { codec, partition: 1, key: SENDER });
    await waitDrained(ledger.url, 30_000);
    for (const messageId of ids)
      expect({ messageId, status: await chargeStatus(ledger.url, messageId) }).toEqual({ messageId, status: 200 });
    const unreadable = (await allRejections(ledger.url)).filter((item: RejectionItem) =>
      item.payload.includes(`compressed with ${codec}`),
    );
    expect(unreadable).toHaveLength(1);
    expect((await health(ledger.url)).status).toBe(200);
  });
});
