import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import { apiClient, isolatedEnvironment, KEYS, startLedger, type RunningLedger } from '../support/ledger-harness.js';
import { allRejections, rejectionPayload, waitDrained, type RejectionItem } from './hostile-support.js';

const { Kafka, logLevel } = kafkajs;

/** What one page of GET /v1/rejections may weigh, whatever the limit asked for (the bound the service keeps). */
const PAGE_BYTES = 1024 * 1024;
const RECORDS = 1000;
const RECORD_BYTES = 20_000;

describe('bounded responses (issue 11 item 5)', () => {
  const environment = isolatedEnvironment('bigpage');
  const topic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    const producer = new Kafka({ brokers: [environment.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    for (let start = 0; start < RECORDS; start += 25) {
      await producer.send({
        topic,
        messages: Array.from({ length: 25 }, (_, index) => ({
          key: `44770090${String(start + index).padStart(4, '0')}`,
          value: Buffer.from(`#${start + index} `.padEnd(RECORD_BYTES, 'z')),
        })),
      });
    }
    await producer.disconnect();
    await waitDrained(ledger.url, 90_000);
  }, 180_000);

  afterAll(async () => {
    await ledger?.close();
  });

  it('keeps one page within its byte bound even when 1000 items are asked for, with a preview of each payload', async () => {
    const response = await fetch(`${ledger.url}/v1/rejections?limit=1000`, {
      headers: { authorization: `Bearer ${KEYS.finance}` },
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(PAGE_BYTES);
    const page = JSON.parse(text) as { items: RejectionItem[]; nextCursor: string | null };
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.length).toBeLessThan(RECORDS);
    expect(page.nextCursor).not.toBeNull();
    for (const item of page.items) {
      expect(item).toMatchObject({ reason: 'NOT_JSON', payloadBytes: RECORD_BYTES, payloadTruncated: true });
      expect(Buffer.byteLength(item.payload)).toBeLessThanOrEqual(1024);
      expect(item.detail.length).toBeLessThanOrEqual(1024);
    }
  });

  it('pages through every rejection once, and hands out each payload whole on its own', async () => {
    const items = await allRejections(ledger.url);
    expect(items).toHaveLength(RECORDS);
    expect(new Set(items.map((item) => item.offset + ':' + item.partition)).size).toBe(RECORDS);
    const [first] = items;
    const whole = await rejectionPayload(ledger.url, first.id);
    expect(whole.length).toBe(RECORD_BYTES);
    expect(whole.toString('utf8').startsWith(first.payload)).toBe(true);
    expect((await apiClient(ledger.url, KEYS.finance).get('/v1/rejections/987654321/payload')).status).toBe(404);
  });

  it('answers ten such pages at once without the memory of the process growing by their payloads', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const pages = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${ledger.url}/v1/rejections?limit=1000`, {
            headers: { authorization: `Bearer ${KEYS.finance}` },
          }).then((response) => response.text()),
        ),
      );
      for (const page of pages) expect(Buffer.byteLength(page)).toBeLessThanOrEqual(PAGE_BYTES);
    } finally {
      clearInterval(sampler);
    }
    // The payloads total 20 MB; ten pages carrying them whole would take several hundred MB. A generous bound only.
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });
});
