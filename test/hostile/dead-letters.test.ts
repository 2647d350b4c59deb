import { randomBytes } from 'node:crypto';
import { deadLetterTopic, TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import { readDeadLetters } from '../faults/fault-scenario.js';
import { freePort } from '../support/service-process.js';
import {
  eventually,
  isolatedEnvironment,
  messageSent,
  startLedger,
  type RunningLedger,
} from '../support/ledger-harness.js';
import { allRejections, chargeStatus, health, rejectionPayload, waitDrained } from './hostile-support.js';

const { Kafka, logLevel } = kafkajs;

const SENDER = '447700977001';
const tag = randomBytes(3).toString('hex');
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const good = (messageId: string): Buffer =>
  json(messageSent({ messageId, sender: { msisdn: SENDER, network: 'O2-UK' } }));

/** An unreadable value of about 64 KiB: not JSON, marked so that each can be told apart. */
const bulky = (index: number): Buffer => Buffer.from(`${index}:`.padEnd(64 * 1024 - 16, 'x'));

function kafkaClient(brokers: string): kafkajs.Kafka {
  return new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
}

describe('dead letters: in the transaction, relayed once, in sends the broker accepts (issue 11 item 4)', () => {
  const environment = isolatedEnvironment('deadletter');
  const topic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger | null = null;
  let producer: kafkajs.Producer;

  beforeAll(async () => {
    const kafka = kafkaClient(environment.env.KAFKA_BROKERS);
    // The input topic takes records larger than the broker's default, so a dead letter may be too large for the .dlq.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 3, configEntries: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }] },
      ],
    });
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await ledger?.close();
  });

  it('keeps ingesting while the dead-letter broker is unreachable, and /health says so after the bound', async () => {
    const nowhere = await freePort();
    ledger = await startLedger({
      ...environment,
      env: {
        ...environment.env,
        DEAD_LETTER_KAFKA_BROKERS: `127.0.0.1:${nowhere}`,
        HEALTH_DEAD_LETTER_RELAY_SECONDS: '3',
      },
    });
    await producer.send({
      topic,
      messages: [
        { partition: 0, key: SENDER, value: Buffer.from('not json while the dlq is away') },
        { partition: 0, key: SENDER, value: good(`AWAY-${tag}`) },
      ],
    });
    await waitDrained(ledger.url, 20_000);
    expect(await chargeStatus(ledger.url, `AWAY-${tag}`)).toBe(200);
    const down = await eventually(async () => {
      const answer = await health(ledger!.url);
      expect(answer.status).toBe(503);
      return answer;
    }, 30_000);
    expect(JSON.stringify(down.body.error)).toMatch(/deadLetters/);
    expect(JSON.stringify(down.body.error)).toMatch(/pending/);
    await ledger.close();
    ledger = null;
  });

  it('relays every waiting dead letter once the broker answers, and /health recovers', async () => {
    // startLedger copies its environment into process.env: the unreachable broker must not stay there.
    delete process.env.DEAD_LETTER_KAFKA_BROKERS;
    delete process.env.HEALTH_DEAD_LETTER_RELAY_SECONDS;
    ledger = await startLedger(environment);
    await eventually(async () => expect((await health(ledger!.url)).status).toBe(200), 30_000);
    const letters = await eventually(async () => {
      const found = await readDeadLetters(environment, deadLetterTopic(topic));
      expect(found.size).toBe(1);
      return found;
    }, 30_000);
    expect([...letters.values()][0]).toMatchObject({ count: 1, value: Buffer.from('not json while the dlq is away') });
  });

  it('relays seventeen and more unreadable 64 KiB records of one key without a batch too large for the broker', async () => {
    const values = Array.from({ length: 24 }, (_, index) => bulky(index));
    await producer.send({ topic, messages: values.map((value) => ({ partition: 1, key: SENDER, value })) });
    await producer.send({ topic, messages: [{ partition: 1, key: SENDER, value: good(`AFTER-BULK-${tag}`) }] });
    await waitDrained(ledger!.url, 30_000);
    expect(await chargeStatus(ledger!.url, `AFTER-BULK-${tag}`)).toBe(200);
    const letters = await eventually(async () => {
      const found = await readDeadLetters(environment, deadLetterTopic(topic));
      expect(found.size).toBe(1 + values.length);
      return found;
    }, 60_000);
    const bulk = [...letters.entries()].filter(([source]) => source.startsWith('1:'));
    expect(bulk.map(([, letter]) => letter.count)).toEqual(values.map(() => 1));
    expect(new Set(bulk.map(([, letter]) => letter.value!.toString('utf8', 0, 3)))).toEqual(
      new Set(values.map((value) => value.toString('utf8', 0, 3))),
    );
    expect((await health(ledger!.url)).status).toBe(200);
  });

  it('sends a record larger than the broker accepts cut, saying so, while the rejection keeps it whole', async () => {
    const huge = Buffer.alloc(2 * 1024 * 1024, 'y');
    await producer.send({ topic, messages: [{ partition: 2, key: SENDER, value: huge }] });
    await producer.send({ topic, messages: [{ partition: 2, key: SENDER, value: good(`AFTER-HUGE-${tag}`) }] });
    await waitDrained(ledger!.url, 30_000);
    expect(await chargeStatus(ledger!.url, `AFTER-HUGE-${tag}`)).toBe(200);
    const letter = await eventually(async () => {
      const found = [...(await readDeadLetters(environment, deadLetterTopic(topic))).entries()].filter(([source]) =>
        source.startsWith('2:'),
      );
      expect(found).toHaveLength(1);
      return found[0][1];
    }, 60_000);
    expect(letter.count).toBe(1);
    expect(letter.headers['ledger-reason']).toBe('TOO_LARGE');
    expect(letter.headers['ledger-payload-truncated']).toBe(String(huge.length));
    expect(letter.value!.length).toBeLessThan(huge.length);
    expect(huge.subarray(0, letter.value!.length).equals(letter.value!)).toBe(true);
    const [rejection] = (await allRejections(ledger!.url)).filter((item) => item.partition === 2);
    expect(rejection).toMatchObject({ reason: 'TOO_LARGE', payloadBytes: huge.length, payloadTruncated: true });
    expect((await rejectionPayload(ledger!.url, rejection.id)).equals(huge)).toBe(true);
  });

  it('empties the dead-letter table once Kafka has every letter', async () => {
    await eventually(async () => {
      const metrics = await (await fetch(`${ledger!.url}/metrics`)).text();
      expect(metrics).toMatch(/^ledger_dead_letters_pending 0$/m);
    }, 30_000);
  });
});
