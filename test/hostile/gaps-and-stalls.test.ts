import { randomBytes } from 'node:crypto';
import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  KEYS,
  messageSent,
  startLedger,
  type RunningLedger,
} from '../support/ledger-harness.js';
import { runLedgerCli } from '../support/service-process.js';
import { chargeStatus, health, testPool, waitDrained, type IngestPartition } from './hostile-support.js';

const { Kafka, logLevel } = kafkajs;

const SENDER = '447700988001';
const tag = randomBytes(3).toString('hex');
const good = (messageId: string): Buffer =>
  Buffer.from(JSON.stringify(messageSent({ messageId, sender: { msisdn: SENDER, network: 'O2-UK' } })));

async function partitionZero(url: string, topic: string): Promise<IngestPartition> {
  const response = await apiClient(url, KEYS.finance).get<{ partitions: IngestPartition[] }>('/v1/ingest');
  return response.body.partitions.find((entry) => entry.topic === topic && entry.partition === 0)!;
}

async function metric(url: string, name: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .join('\n');
}

describe('no silent gap in offsets (issue 11 item 6)', () => {
  const environment = isolatedEnvironment('offsetgap');
  const topic = environment.topic(TOPICS.messageSent);
  const kafka = new Kafka({ brokers: [environment.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  let admin: kafkajs.Admin;
  let producer: kafkajs.Producer;
  let ledger: RunningLedger | null = null;

  const send = async (messageIds: string[]): Promise<void> => {
    await producer.send({
      topic,
      messages: messageIds.map((messageId) => ({ partition: 0, key: SENDER, value: good(messageId) })),
    });
  };

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    ledger = await startLedger(environment);
    await send(['G-0', 'G-1', 'G-2', 'G-3', 'G-4'].map((id) => `${id}-${tag}`));
    await waitDrained(ledger.url, 20_000);
    await ledger.close();
    ledger = null;
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await ledger?.close();
  });

  it('detects records deleted before they were read, fails readiness, counts and shows the gap, and waits', async () => {
    await send(Array.from({ length: 10 }, (_, index) => `LOST-${tag}-${index}`));
    // What retention does to a partition the ledger has not read: its log now starts past the recorded offset.
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '15' }] });
    await send([`AFTER-GAP-${tag}`]);
    ledger = await startLedger(environment);
    const seen = await eventually(async () => {
      const entry = await partitionZero(ledger!.url, topic);
      expect(entry.gap).toMatchObject({ expectedOffset: '5', foundOffset: '15', kind: 'RECORDS_DELETED' });
      return entry;
    }, 30_000);
    expect(seen.nextOffset).toBe('5');
    const ready = await health(ledger.url, '/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body.error)).toContain(`${topic}[0]`);
    expect(await metric(ledger.url, 'ledger_ingest_offset_gaps_total')).toMatch(/ 1$/m);
    // The record after the gap waits for the operator: nothing moves past a gap on its own.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await chargeStatus(ledger.url, `AFTER-GAP-${tag}`)).toBe(404);
  });

  it('goes on from the start of the log once an operator acknowledges the gap through the API', async () => {
    const refused = await apiClient(ledger!.url, KEYS.finance).post('/v1/ingest/offset-gaps/acknowledge', {
      topic,
      partition: 0,
    });
    expect(refused.status).toBe(403);
    const acknowledged = await apiClient(ledger!.url, KEYS.admin).post('/v1/ingest/offset-gaps/acknowledge', {
      topic,
      partition: 0,
    });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ topic, partition: 0, expectedOffset: '5', foundOffset: '15' });
    await eventually(async () => expect(await chargeStatus(ledger!.url, `AFTER-GAP-${tag}`)).toBe(200), 30_000);
    await eventually(async () => expect((await health(ledger!.url, '/health/ready')).status).toBe(200), 30_000);
    expect((await partitionZero(ledger!.url, topic)).gap).toBeNull();
    for (let index = 0; index < 10; index += 1)
      expect(await chargeStatus(ledger!.url, `LOST-${tag}-${index}`)).toBe(404);
    const again = await apiClient(ledger!.url, KEYS.admin).post('/v1/ingest/offset-gaps/acknowledge', {
      topic,
      partition: 0,
    });
    expect(again.status).toBe(404);
  });

  it('detects a topic re-created behind the recorded offset, and takes the acknowledgement from the CLI', async () => {
    await ledger!.close();
    ledger = null;
    await admin.deleteTopics({ topics: [topic] });
    await eventually(async () => {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
      expect((await admin.fetchTopicOffsets(topic)).length).toBe(3);
    }, 60_000);
    await send([`REBORN-${tag}`]);
    ledger = await startLedger(environment);
    await eventually(async () => {
      const entry = await partitionZero(ledger!.url, topic);
      expect(entry.gap).toMatchObject({ expectedOffset: '16', kind: 'OFFSETS_REWOUND' });
    }, 30_000);
    expect((await health(ledger.url, '/health/ready')).status).toBe(503);
    expect(await chargeStatus(ledger.url, `REBORN-${tag}`)).toBe(404);
    const cli = await runLedgerCli(environment, ['ack-offset-gap', topic, '0']);
    expect({ code: cli.code, output: cli.output }).toMatchObject({ code: 0 });
    expect(cli.output).toContain(`${topic}[0]`);
    await eventually(async () => expect(await chargeStatus(ledger!.url, `REBORN-${tag}`)).toBe(200), 30_000);
    await eventually(async () => expect((await health(ledger!.url, '/health/ready')).status).toBe(200), 30_000);
    const missing = await runLedgerCli(environment, ['ack-offset-gap', topic, '0']);
    expect(missing.code).not.toBe(0);
  });
});

describe('health that tells the truth about a stalled partition (issue 11 item 7)', () => {
  const environment = isolatedEnvironment('stalled');
  const topic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger;
  let pool: pg.Pool;
  let producer: kafkajs.Producer;

  beforeAll(async () => {
    environment.env.HEALTH_STALLED_PARTITION_SECONDS = '3';
    ledger = await startLedger(environment);
    pool = testPool(environment);
    producer = new Kafka({ brokers: [environment.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await pool?.end();
    await ledger?.close();
    delete process.env.HEALTH_STALLED_PARTITION_SECONDS;
  });

  it('answers 503 naming the partition and why while it cannot advance, and 200 once it does', async () => {
    // A failure that is not the record's fault (a serialisation failure, every time): retried, never rejected.
    await pool.query(`
      CREATE OR REPLACE FUNCTION always_busy() RETURNS trigger AS $$
      BEGIN
        IF NEW.message_id LIKE 'STALL-%' THEN
          RAISE EXCEPTION 'could not serialize access (test)' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER always_busy BEFORE INSERT ON charges FOR EACH ROW EXECUTE FUNCTION always_busy();`);
    expect((await health(ledger.url)).status).toBe(200);
    await producer.send({ topic, messages: [{ partition: 0, key: SENDER, value: good(`STALL-${tag}`) }] });
    const down = await eventually(async () => {
      const answer = await health(ledger.url);
      expect(answer.status).toBe(503);
      return answer;
    }, 60_000);
    const said = JSON.stringify(down.body.error);
    expect(said).toContain(`${topic}[0]`);
    expect(said).toMatch(/not advanced/);
    expect(said).toMatch(/could not serialize access/);
    expect(await metric(ledger.url, `ledger_partition_stalled{topic="${topic}",partition="0"}`)).toMatch(/ 1$/);
    await pool.query('DROP TRIGGER always_busy ON charges');
    await eventually(async () => expect(await chargeStatus(ledger.url, `STALL-${tag}`)).toBe(200), 60_000);
    await eventually(async () => expect((await health(ledger.url)).status).toBe(200), 30_000);
    expect(await metric(ledger.url, `ledger_partition_stalled{topic="${topic}",partition="0"}`)).toMatch(/ 0$/);
  });
});

describe('transaction markers and aborted records are not gaps (issue 11 item 6, the other way)', () => {
  const environment = isolatedEnvironment('txnmarkers');
  const topic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger;
  let producer: kafkajs.Producer;

  beforeAll(async () => {
    environment.env.HEALTH_STALLED_PARTITION_SECONDS = '2';
    ledger = await startLedger(environment);
    producer = new Kafka({ brokers: [environment.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).producer({
      transactionalId: `ledger-test-${tag}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await ledger?.close();
    delete process.env.HEALTH_STALLED_PARTITION_SECONDS;
  });

  it('reads a transactional upstream: committed records once, aborted ones never, no gap, healthy', async () => {
    const inTransaction = async (ids: string[], commit: boolean): Promise<void> => {
      const transaction = await producer.transaction();
      await transaction.send({
        topic,
        messages: ids.map((messageId) => ({ partition: 0, key: SENDER, value: good(messageId) })),
      });
      await (commit ? transaction.commit() : transaction.abort());
    };
    await inTransaction([`TX1-A-${tag}`, `TX1-B-${tag}`], true);
    await inTransaction([`TX2-ABORTED-${tag}`], false);
    await inTransaction([`TX3-A-${tag}`], true);
    for (const messageId of [`TX1-A-${tag}`, `TX1-B-${tag}`, `TX3-A-${tag}`]) {
      await eventually(async () => expect(await chargeStatus(ledger.url, messageId)).toBe(200), 30_000);
    }
    expect(await chargeStatus(ledger.url, `TX2-ABORTED-${tag}`)).toBe(404);
    // The markers and the aborted record count as read: no lag left, so nothing looks stalled either.
    await waitDrained(ledger.url, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await health(ledger.url)).status).toBe(200);
    expect((await partitionZero(ledger.url, topic)).gap).toBeNull();
    expect(await metric(ledger.url, 'ledger_ingest_offset_gaps_total')).not.toMatch(/ [1-9]\d*$/m);
    expect((await health(ledger.url, '/health/ready')).status).toBe(200);
  });
});
