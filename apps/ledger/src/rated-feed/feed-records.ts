/** The headers of a record of ledger.message-rated.v1 (docs/FEED.md). */
export const FEED_HEADERS = {
  /** The record's place in the live feed: 1, 2, 3… with no gap and no repeat. */
  position: 'ledger-feed-position',
  /** Set to `true` on a record republished by `replay-feed`. */
  replay: 'ledger-replay',
  /** The id of the replay run that republished the record. */
  replayRun: 'ledger-replay-run',
  /** The size in bytes of a charge too large for the topic, sent as a reference instead. */
  tooLarge: 'ledger-feed-too-large',
} as const;

/** A record about to be sent, already placed on its partition. */
export interface OutgoingFeedRecord {
  readonly partition: number;
  readonly key: string;
  /** JSON text. */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What Kafka's record batch v2 adds around a record and a header (lengths, deltas, attributes), rounded up. */
const RECORD_OVERHEAD_BYTES = 40;
const HEADER_OVERHEAD_BYTES = 10;
/** The record batch header: base offset, length, epoch, magic, CRC, attributes, producer id and the rest. */
export const BATCH_OVERHEAD_BYTES = 61;

/** The bytes a record takes in a batch on the wire, as the broker counts it against max.message.bytes. */
export function recordBytes(record: Pick<OutgoingFeedRecord, 'key' | 'value' | 'headers'>): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * The largest record a batch of its own can carry under the topic's max.message.bytes; anything
 * larger the broker refuses however it is sent.
 */
export const largestRecordBytes = (maxMessageBytes: number): number => maxMessageBytes - BATCH_OVERHEAD_BYTES;

/**
 * A charge too large for the topic, as a reference that keeps its place and key: its messageId and
 * globalPosition, so that a reader fetches the charge from GET /v1/messages/{messageId}.
 */
export function asReference(record: OutgoingFeedRecord): OutgoingFeedRecord {
  const { messageId, globalPosition } = JSON.parse(record.value) as { messageId: string; globalPosition: string };
  return {
    ...record,
    value: JSON.stringify({ messageId, globalPosition, tooLarge: true }),
    headers: { ...record.headers, [FEED_HEADERS.tooLarge]: String(recordBytes(record)) },
  };
}

/**
 * Cuts records, in their order, into consecutive sends in which no partition's batch exceeds
 * `maxBatchBytes` (Kafka sends one batch per partition per request, and refuses a batch over the
 * topic's max.message.bytes). A record larger than the budget by itself goes alone.
 */
export function sizedSends<T extends OutgoingFeedRecord>(records: readonly T[], maxBatchBytes: number): T[][] {
  const sends: T[][] = [];
  let current: T[] = [];
  let bytesByPartition = new Map<number, number>();
  for (const record of records) {
    const bytes = recordBytes(record);
    const partitionBytes = bytesByPartition.get(record.partition) ?? BATCH_OVERHEAD_BYTES;
    if (current.length > 0 && partitionBytes + bytes > maxBatchBytes) {
      sends.push(current);
      current = [];
      bytesByPartition = new Map();
    }
    current.push(record);
    bytesByPartition.set(record.partition, (bytesByPartition.get(record.partition) ?? BATCH_OVERHEAD_BYTES) + bytes);
  }
  if (current.length > 0) sends.push(current);
  return sends;
}
