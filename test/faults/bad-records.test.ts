import { randomBytes } from 'node:crypto';
import { deadLetterTopic } from '@ledger/contracts';
import { apiClient, KEYS, messageSent, type ApiResponse } from '../support/ledger-harness.js';
import type { ServiceProcess } from '../support/service-process.js';
import { readDeadLetters, Scenario } from './fault-scenario.js';
import { waitUntilConsumed, type OutgoingRecord, type PlacedRecord } from './fault-workload.js';

interface BadRecord {
  name: string;
  topic: 'messageSent' | 'boltOnPurchased';
  key: string | null;
  value: Buffer | null;
  reason: string;
  /** What the detail must say: the field at fault, or the rule broken. */
  detail: RegExp;
  encoding: 'utf8' | 'base64';
}

interface RejectionItem {
  id: string;
  payloadTruncated: boolean;
  source: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  detail: string;
  receivedAt: string;
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
}

const SENDER = '447700955001';
const BUYER = '447700955002';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const message = (overrides: Record<string, unknown>): Buffer =>
  json(messageSent({ sender: { msisdn: SENDER, network: 'O2-UK' }, ...overrides }));
const without = (field: string): Record<string, unknown> => {
  const record = messageSent({ sender: { msisdn: SENDER, network: 'O2-UK' } });
  delete record[field];
  return record;
};

/** SPEC sections 2 and 6: records the ledger cannot read, each with what the rejection must say. */
const BAD_RECORDS: BadRecord[] = [
  {
    name: 'not JSON',
    topic: 'messageSent',
    key: SENDER,
    value: Buffer.from('{"messageId": "half'),
    reason: 'NOT_JSON',
    detail: /JSON/,
    encoding: 'utf8',
  },
  {
    name: 'not UTF-8',
    topic: 'messageSent',
    key: SENDER,
    value: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]),
    reason: 'NOT_UTF8',
    detail: /UTF-8/,
    encoding: 'base64',
  },
  {
    name: 'empty value',
    topic: 'messageSent',
    key: SENDER,
    value: Buffer.alloc(0),
    reason: 'EMPTY_RECORD',
    detail: /no value/,
    encoding: 'utf8',
  },
  {
    name: 'tombstone',
    topic: 'messageSent',
    key: SENDER,
    value: null,
    reason: 'EMPTY_RECORD',
    detail: /no value/,
    encoding: 'utf8',
  },
  {
    name: 'larger than 64 KiB',
    topic: 'messageSent',
    key: SENDER,
    value: json({ ...messageSent(), padding: 'x'.repeat(70_000) }),
    reason: 'TOO_LARGE',
    detail: /65536/,
    encoding: 'utf8',
  },
  {
    name: 'JSON array',
    topic: 'messageSent',
    key: SENDER,
    value: Buffer.from('[{"messageId": "M-1"}]'),
    reason: 'INVALID_RECORD',
    detail: /\(record\)/,
    encoding: 'utf8',
  },
  {
    name: 'no messageId',
    topic: 'messageSent',
    key: SENDER,
    value: json(without('messageId')),
    reason: 'INVALID_RECORD',
    detail: /messageId/,
    encoding: 'utf8',
  },
  {
    name: 'messageId of 129 characters',
    topic: 'messageSent',
    key: SENDER,
    value: message({ messageId: 'M'.repeat(129) }),
    reason: 'INVALID_RECORD',
    detail: /messageId/,
    encoding: 'utf8',
  },
  {
    name: 'unknown kind',
    topic: 'messageSent',
    key: SENDER,
    value: message({ kind: 'FAX' }),
    reason: 'UNKNOWN_VALUE',
    detail: /kind/,
    encoding: 'utf8',
  },
  {
    name: 'unknown network',
    topic: 'messageSent',
    key: SENDER,
    value: message({ recipient: { msisdn: '447800900456', network: 'CELLNET' } }),
    reason: 'UNKNOWN_VALUE',
    detail: /recipient\.network/,
    encoding: 'utf8',
  },
  {
    name: 'bad msisdn',
    topic: 'messageSent',
    key: SENDER,
    value: message({ sender: { msisdn: '+44 7700 900123', network: 'O2-UK' } }),
    reason: 'INVALID_RECORD',
    detail: /sender\.msisdn/,
    encoding: 'utf8',
  },
  {
    name: 'sentAt without offset',
    topic: 'messageSent',
    key: SENDER,
    value: message({ sentAt: '2003-04-02T10:15:00' }),
    reason: 'INVALID_RECORD',
    detail: /sentAt/,
    encoding: 'utf8',
  },
  {
    name: 'MMS without mms',
    topic: 'messageSent',
    key: SENDER,
    value: message({ kind: 'MMS' }),
    reason: 'INVALID_RECORD',
    detail: /mms/,
    encoding: 'utf8',
  },
  {
    name: 'SMS with mms',
    topic: 'messageSent',
    key: SENDER,
    value: message({ kind: 'SMS', mms: { sizeBytes: 100, content: ['image'] } }),
    reason: 'INVALID_RECORD',
    detail: /mms/,
    encoding: 'utf8',
  },
  {
    name: 'bad roamingCountry',
    topic: 'messageSent',
    key: null,
    value: message({ roamingCountry: 'Germany' }),
    reason: 'INVALID_RECORD',
    detail: /roamingCountry/,
    encoding: 'utf8',
  },
  {
    name: 'purchase not JSON',
    topic: 'boltOnPurchased',
    key: BUYER,
    value: Buffer.from('purchase GBP3 please'),
    reason: 'NOT_JSON',
    detail: /JSON/,
    encoding: 'utf8',
  },
  {
    name: 'purchase without purchaseId',
    topic: 'boltOnPurchased',
    key: BUYER,
    value: json({ msisdn: BUYER, boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z' }),
    reason: 'INVALID_RECORD',
    detail: /purchaseId/,
    encoding: 'utf8',
  },
  {
    name: 'purchase with purchasedAt not a real day',
    topic: 'boltOnPurchased',
    key: BUYER,
    value: json({ purchaseId: 'R-BAD-DAY', msisdn: BUYER, boltOn: 'GBP3', purchasedAt: '2003-02-30T09:00:00Z' }),
    reason: 'INVALID_RECORD',
    detail: /purchasedAt/,
    encoding: 'utf8',
  },
];

describe('records the ledger cannot read', () => {
  const run = Scenario.create('badrecords', { messages: 0, subscribers: 1 });
  const tag = randomBytes(3).toString('hex');
  const goodMessages: string[] = [];
  const goodPurchases: string[] = [];
  const placedBad = new Map<PlacedRecord, BadRecord>();
  let ledger: ServiceProcess;

  beforeAll(async () => {
    ledger = run.instance('solo');
    await ledger.start();
    await run.connect();
    // Each bad record is followed by a good one on the same key, so on the same partition, after it.
    for (const [index, bad] of BAD_RECORDS.entries()) {
      const good: OutgoingRecord =
        bad.topic === 'messageSent'
          ? {
              key: bad.key,
              value: json(
                messageSent({ messageId: `GOOD-${tag}-${index}`, sender: { msisdn: SENDER, network: 'O2-UK' } }),
              ),
              expect: { kind: 'message', messageId: `GOOD-${tag}-${index}` },
            }
          : {
              key: BUYER,
              value: json({
                purchaseId: `R-${tag}-${index}`,
                msisdn: BUYER,
                boltOn: 'GBP3',
                purchasedAt: '2003-04-01T09:00:00Z',
              }),
              expect: { kind: 'purchase', purchaseId: `R-${tag}-${index}` },
            };
      if (good.expect.kind === 'message') goodMessages.push(good.expect.messageId);
      if (good.expect.kind === 'purchase') goodPurchases.push(good.expect.purchaseId);
      const before = run.placed.length;
      await run.producer.send(run.topics[bad.topic], [
        { key: bad.key, value: bad.value, expect: { kind: 'unreadable', what: bad.name } },
        good,
      ]);
      placedBad.set(run.placed[before], bad);
    }
    await waitUntilConsumed(run.pool, run.placed, ledger.url, 60_000);
  }, 120_000);

  afterAll(async () => {
    await run.close();
  }, 60_000);

  const allRejections = async (): Promise<{ items: RejectionItem[]; pages: ApiResponse[] }> => {
    const api = apiClient(ledger.url);
    const pages: ApiResponse[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await api.get(
        `/v1/rejections?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      pages.push(page);
      expect(page.status).toBe(200);
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null && pages.length < 100);
    return { items: pages.flatMap((page) => page.body.items as RejectionItem[]), pages };
  };

  it('records every good record that follows a bad one', async () => {
    const api = apiClient(ledger.url);
    for (const messageId of goodMessages) {
      const charge = await api.get(`/v1/messages/${messageId}`);
      expect({ messageId, status: charge.status, charged: charge.body.status }).toEqual({
        messageId,
        status: 200,
        charged: 'CHARGED',
      });
    }
    const balance = await api.get(`/v1/subscribers/${BUYER}/balance`);
    expect(balance.status).toBe(200);
    expect(balance.body.boltOns.map((boltOn: { purchaseId: string }) => boltOn.purchaseId).sort()).toEqual(
      [...goodPurchases].sort(),
    );
  });

  it('lists each bad record exactly once in /v1/rejections, with reason, detail, raw bytes and origin', async () => {
    const { items } = await allRejections();
    expect(items).toHaveLength(BAD_RECORDS.length);
    for (const [placed, bad] of placedBad) {
      const matching = items.filter(
        (item) =>
          item.topic === placed.topic && item.partition === placed.partition && item.offset === String(placed.offset),
      );
      expect({ name: bad.name, found: matching.length }).toEqual({ name: bad.name, found: 1 });
      const [item] = matching;
      expect({
        name: bad.name,
        source: item.source,
        key: item.key,
        reason: item.reason,
        payloadEncoding: item.payloadEncoding,
      }).toEqual({
        name: bad.name,
        source: 'kafka',
        key: bad.key,
        reason: bad.reason,
        payloadEncoding: bad.encoding,
      });
      expect(item.detail).toMatch(bad.detail);
      // The list carries a preview; a payload cut there is fetched whole from its own route.
      const raw = item.payloadTruncated
        ? Buffer.from(
            await (
              await fetch(`${ledger.url}/v1/rejections/${item.id}/payload`, {
                headers: { authorization: `Bearer ${KEYS.finance}` },
              })
            ).arrayBuffer(),
          )
        : item.payloadEncoding === 'base64'
          ? Buffer.from(item.payload, 'base64')
          : Buffer.from(item.payload, 'utf8');
      expect({ name: bad.name, sameBytes: raw.equals(bad.value ?? Buffer.alloc(0)) }).toEqual({
        name: bad.name,
        sameBytes: true,
      });
      expect(Number.isNaN(Date.parse(item.receivedAt))).toBe(false);
    }
  });

  it('pages through the rejections five at a time with cursors, ending on a null cursor', async () => {
    const { items, pages } = await allRejections();
    expect(pages).toHaveLength(Math.ceil(BAD_RECORDS.length / 5));
    for (const page of pages.slice(0, -1)) {
      expect(page.body.items).toHaveLength(5);
      expect(typeof page.body.nextCursor).toBe('string');
    }
    expect(pages[pages.length - 1].body.nextCursor).toBeNull();
    const positions = items.map((item) => `${item.topic}:${item.partition}:${item.offset}`);
    expect(new Set(positions).size).toBe(positions.length);

    const api = apiClient(ledger.url);
    const second = await api.get(
      `/v1/rejections?limit=5&cursor=${encodeURIComponent(pages[0].body.nextCursor as string)}`,
    );
    expect(second.body).toEqual(pages[1].body);
    const tampered = await api.get(
      `/v1/rejections?limit=5&cursor=${encodeURIComponent(`${pages[0].body.nextCursor as string}x`)}`,
    );
    expect(tampered.status).toBe(400);
  });

  it('copies each bad record exactly once to <topic>.dlq, with its reason and origin in headers', async () => {
    for (const topic of [run.topics.messageSent, run.topics.boltOnPurchased]) {
      const deadLetters = await readDeadLetters(run.environment, deadLetterTopic(topic));
      const expected = [...placedBad].filter(([placed]) => placed.topic === topic);
      expect([...deadLetters.values()].reduce((sum, { count }) => sum + count, 0)).toBe(expected.length);
      for (const [placed, bad] of expected) {
        const letter = deadLetters.get(`${placed.partition}:${placed.offset}`);
        expect({ name: bad.name, count: letter?.count }).toEqual({ name: bad.name, count: 1 });
        expect({ name: bad.name, ...letter!.headers }).toMatchObject({
          name: bad.name,
          'ledger-reason': bad.reason,
          'ledger-source-topic': topic,
          'ledger-source-partition': String(placed.partition),
          'ledger-source-offset': String(placed.offset),
        });
        expect(letter!.headers['ledger-detail']).toMatch(bad.detail);
        expect({ name: bad.name, key: letter!.key }).toEqual({ name: bad.name, key: bad.key });
        expect({
          name: bad.name,
          sameBytes: (letter!.value ?? Buffer.alloc(0)).equals(bad.value ?? Buffer.alloc(0)),
        }).toEqual({
          name: bad.name,
          sameBytes: true,
        });
      }
    }
  });
});
