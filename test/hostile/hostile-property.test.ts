import { randomBytes } from 'node:crypto';
import { messageKey, TOPICS } from '@ledger/contracts';
import fc from 'fast-check';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import { isolatedEnvironment, messageSent, startLedger, type RunningLedger } from '../support/ledger-harness.js';
import {
  allRejections,
  CODECS,
  health,
  kcatProduce,
  rejectionPayload,
  testPool,
  waitDrained,
  type Codec,
} from './hostile-support.js';

const { Kafka, logLevel } = kafkajs;

const tag = randomBytes(3).toString('hex');
let serial = 0;

type Entry = { kind: 'valid'; messageId: string; value: Buffer } | { kind: 'hostile'; value: Buffer };

/** The messageId a value names, when it is a JSON object with one: a hostile value may yet be a valid record. */
function namedMessageId(value: Buffer): string | null {
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value)) as { messageId?: unknown };
    return typeof parsed === 'object' && parsed !== null && typeof parsed.messageId === 'string'
      ? parsed.messageId
      : null;
  } catch {
    return null;
  }
}

const valid = (): fc.Arbitrary<Entry> =>
  fc.constant(null).map(() => {
    const messageId = `PROP-${tag}-${(serial += 1)}`;
    return { kind: 'valid', messageId, value: Buffer.from(JSON.stringify(messageSent({ messageId }))) };
  });

const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff',
    'a\u0000b',
    '\ud83d',
    '0000-06-01T00:00:00Z',
    '9999-12-31T23:30:00-01:00',
  ),
);

/** Hostile values: any bytes; any JSON with any strings; records one field away from valid; deep; huge numbers. */
const hostile = (): fc.Arbitrary<Entry> =>
  fc
    .oneof(
      // kcat sends no record for an empty file: empty values are bad-records.test.ts's.
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.json({ stringUnit: 'binary', maxDepth: 4 }).map((text) => Buffer.from(text)),
      fc
        .tuple(fc.constantFrom('messageId', 'sentAt', 'content', 'kind', 'roamingCountry', 'network'), nasty)
        .map(([field, value]) => {
          const record = messageSent({ messageId: `NASTY-${tag}-${(serial += 1)}-${value}` });
          if (field === 'content') Object.assign(record, { kind: 'MMS', mms: { sizeBytes: 1, content: [value] } });
          else if (field === 'network')
            Object.assign(record, { recipient: { msisdn: '447800900456', network: value } });
          else record[field] = value;
          // Well-formed or not, the text goes as UTF-8 bytes, as another producer would write it.
          return Buffer.from(JSON.stringify(record));
        }),
      fc.integer({ min: 1, max: 20_000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
      fc
        .constantFrom('1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '1e-400')
        .map((number) =>
          Buffer.from(
            JSON.stringify(messageSent({ messageId: `HUGE-${tag}-${(serial += 1)}`, kind: 'MMS' })).replace(
              '"kind":"MMS"',
              `"kind":"MMS","mms":{"sizeBytes":${number},"content":["text"]}`,
            ),
          ),
        ),
    )
    // Never the id of a valid record of the run: each is expected exactly once.
    .filter((value) => !(namedMessageId(value) ?? '').startsWith('PROP-'))
    .map((value) => ({ kind: 'hostile', value }));

describe('no record and no codec stops ingest: a property through the real pipeline (issue 11)', () => {
  const environment = isolatedEnvironment('hostileprop');
  const topic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger;
  let pool: pg.Pool;
  let admin: kafkajs.Admin;

  beforeAll(async () => {
    environment.env.HEALTH_STALLED_PARTITION_SECONDS = '5';
    ledger = await startLedger(environment);
    pool = testPool(environment);
    admin = new Kafka({ brokers: [environment.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await pool?.end();
    await ledger?.close();
    delete process.env.HEALTH_STALLED_PARTITION_SECONDS;
  });

  it('records every valid record once, rejects every other once with its bytes, drains, and stays healthy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(valid(), hostile()), { minLength: 1, maxLength: 25 }),
        fc.constantFrom<Codec>(...CODECS),
        fc.integer({ min: 0, max: 2 }),
        async (entries, codec, partition) => {
          const high = (await admin.fetchTopicOffsets(topic)).find((entry) => entry.partition === partition)!.high;
          const first = BigInt(high);
          await kcatProduce(
            topic,
            entries.map((entry) => entry.value),
            { codec, partition, key: '447700900123' },
          );
          const after = (await admin.fetchTopicOffsets(topic)).find((entry) => entry.partition === partition)!.high;
          // Offsets are told from the order sent: the test's own premise, checked.
          expect(BigInt(after) - first).toBe(BigInt(entries.length));
          await waitDrained(ledger.url, 60_000);
          expect((await health(ledger.url)).status).toBe(200);
          const rejections = new Map(
            (await allRejections(ledger.url))
              .filter((item) => item.topic === topic && item.partition === partition)
              .map((item) => [item.offset, item]),
          );
          for (const [index, entry] of entries.entries()) {
            const offset = (first + BigInt(index)).toString();
            const rejection = rejections.get(offset);
            const messageId = entry.kind === 'valid' ? entry.messageId : namedMessageId(entry.value);
            // A hostile value one edit away from valid may be valid after all; the contract decides, once.
            // An id Postgres cannot hold (NUL, lone surrogate) cannot have been recorded, nor looked up.
            const events =
              messageId && !messageId.includes('\u0000') && !/[\uD800-\uDFFF]/u.test(messageId)
                ? (await pool.query('SELECT 1 FROM events WHERE idempotency_key = $1', [messageKey(messageId)]))
                    .rowCount
                : 0;
            const outcome = { offset, kind: entry.kind, events, rejected: rejection !== undefined };
            if (entry.kind === 'valid') expect(outcome).toEqual({ ...outcome, events: 1, rejected: false });
            else expect(outcome).toEqual({ ...outcome, events: outcome.rejected ? 0 : 1 });
            if (rejection) expect((await rejectionPayload(ledger.url, rejection.id)).equals(entry.value)).toBe(true);
          }
        },
      ),
      { numRuns: 30, endOnFailure: true },
    );
  });
});
