import {
  asReference,
  BATCH_OVERHEAD_BYTES,
  FEED_HEADERS,
  largestRecordBytes,
  recordBytes,
  sizedSends,
  type OutgoingFeedRecord,
} from './feed-records.js';

const record = (partition: number, valueBytes: number, index = 0): OutgoingFeedRecord => ({
  partition,
  key: '447700900123',
  value: JSON.stringify({ messageId: `M-${index}`, globalPosition: String(index), pad: 'x'.repeat(valueBytes) }),
  headers: { [FEED_HEADERS.position]: String(index + 1) },
});

describe('the bytes of a feed record', () => {
  it('counts the key, the value and the headers in UTF-8 bytes, not characters', () => {
    const ascii = recordBytes({ key: 'k', value: 'aa', headers: {} });
    expect(recordBytes({ key: 'k', value: 'éé', headers: {} })).toBe(ascii + 2);
    expect(recordBytes({ key: 'k', value: 'aa', headers: { h: 'v' } })).toBeGreaterThan(ascii + 2);
  });

  it('leaves room for the batch header under the topic limit', () => {
    expect(largestRecordBytes(1_048_588)).toBe(1_048_588 - BATCH_OVERHEAD_BYTES);
  });
});

describe('sends sized in bytes', () => {
  it('keeps every record, in order, and no partition over the budget in any send', () => {
    const records = Array.from({ length: 3_000 }, (_, index) => record(index % 3 === 0 ? 1 : 0, 600, index));
    const sends = sizedSends(records, 100_000);
    expect(sends.flat()).toEqual(records);
    for (const send of sends) {
      for (const partition of [0, 1]) {
        const bytes = send
          .filter((entry) => entry.partition === partition)
          .reduce((sum, entry) => sum + recordBytes(entry), BATCH_OVERHEAD_BYTES);
        expect(bytes).toBeLessThanOrEqual(100_000);
      }
    }
    expect(sends.length).toBeGreaterThan(10);
  });

  it('cuts a hot subscriber whose 2,000 charges make 1.2 MB into batches under the broker limit', () => {
    const hot = Array.from({ length: 2_000 }, (_, index) => record(4, 560, index));
    expect(hot.reduce((sum, entry) => sum + recordBytes(entry), 0)).toBeGreaterThan(1_200_000);
    const sends = sizedSends(hot, 512 * 1024);
    expect(sends.length).toBeGreaterThanOrEqual(3);
    expect(sends.flat()).toEqual(hot);
  });

  it('sends a record larger than the budget alone rather than never', () => {
    const records = [record(0, 10, 0), record(0, 5_000, 1), record(0, 10, 2)];
    expect(sizedSends(records, 1_000).map((send) => send.map(({ value }) => JSON.parse(value).messageId))).toEqual([
      ['M-0'],
      ['M-1'],
      ['M-2'],
    ]);
  });

  it('puts nothing in no send', () => {
    expect(sizedSends([], 1_000)).toEqual([]);
  });
});

describe('a charge too large for the topic', () => {
  it('goes as a reference to the charge that keeps its key, position and partition', () => {
    const large = record(2, 2_000_000, 41);
    const reference = asReference(large);
    expect(reference.partition).toBe(2);
    expect(reference.key).toBe(large.key);
    expect(JSON.parse(reference.value)).toEqual({ messageId: 'M-41', globalPosition: '41', tooLarge: true });
    expect(reference.headers[FEED_HEADERS.position]).toBe('42');
    expect(Number(reference.headers[FEED_HEADERS.tooLarge])).toBe(recordBytes(large));
    expect(recordBytes(reference)).toBeLessThan(500);
  });
});
