import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type pg from 'pg';

const { Kafka, logLevel } = kafkajs;

/** One record of ledger.message-rated.v1 as a downstream billing system reads it (read committed). */
export interface FeedRecord {
  partition: number;
  offset: bigint;
  key: string;
  messageId: string;
  status: string;
  /** The `ledger-feed-position` header: the record's place in the feed, dense from 1 (absent on a replay). */
  feedPosition: bigint | null;
  /** The `globalPosition` of the value: the event's place in the event store. */
  globalPosition: bigint;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * Reads the feed topic from its beginning, as a downstream consumer with a group of its own would
 * (kafkajs reads committed records only, so an aborted or fenced relay transaction is never seen).
 */
export class FeedReader {
  readonly records: FeedRecord[] = [];
  /**
   * Partition and offset of every record read: a consumer whose group coordinator moved (a broker
   * died) rejoins and is handed the same records again from its last committed offset. A record
   * read twice at one offset is one record; a record published twice has two offsets.
   */
  private readonly seen = new Set<string>();
  /** How many records the consumer was handed again at an offset already read. */
  redelivered = 0;
  private constructor(private readonly consumer: kafkajs.Consumer) {}

  static async start(brokers: string, topic: string): Promise<FeedReader> {
    const kafka = new Kafka({ clientId: 'feed-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({
      groupId: `feed-reader-${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    const reader = new FeedReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const at = `${partition}@${message.offset}`;
        if (reader.seen.has(at)) {
          reader.redelivered += 1;
          return Promise.resolve();
        }
        reader.seen.add(at);
        const body = JSON.parse(message.value!.toString('utf8')) as Record<string, unknown>;
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        reader.records.push({
          partition,
          offset: BigInt(message.offset),
          key: message.key!.toString('utf8'),
          messageId: String(body.messageId),
          status: String(body.status),
          feedPosition: headers['ledger-feed-position'] === undefined ? null : BigInt(headers['ledger-feed-position']),
          globalPosition: BigInt(String(body.globalPosition)),
          headers,
          body,
        });
        return Promise.resolve();
      },
    });
    return reader;
  }

  /** The records of the live feed (not replays). */
  get live(): FeedRecord[] {
    return this.records.filter(({ headers }) => headers['ledger-replay'] === undefined);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** A message event of the store, as feedProblems compares the feed against it. */
export interface MessageEvent {
  readonly messageId: string;
  readonly msisdn: string;
  readonly globalPosition: bigint;
}

/** Every message event of the store (charged, recorded, rejected), in log order: what the feed must carry. */
export async function messageEvents(pool: pg.Pool): Promise<MessageEvent[]> {
  const result = await pool.query<{ message_id: string; msisdn: string; global_position: string }>(
    `SELECT data->'message'->>'messageId' AS message_id, data->'message'->'sender'->>'msisdn' AS msisdn, global_position
       FROM events WHERE event_type IN ('MessageCharged', 'MessageRecorded', 'MessageRejected') ORDER BY global_position`,
  );
  return result.rows.map((row) => ({
    messageId: row.message_id,
    msisdn: row.msisdn,
    globalPosition: BigInt(row.global_position),
  }));
}

/**
 * Every way in which the live feed differs from "each message event exactly once, positions 1..n
 * with no gap and no repeat, in the event store's order per subscriber".
 * `events` are the message events of the event store: messageId, sender and global position.
 */
export function feedProblems(records: readonly FeedRecord[], events: readonly MessageEvent[]): string[] {
  const problems: string[] = [];
  const report = (list: string[], what: string): void => {
    if (list.length > 0) problems.push(`${list.length} ${what}, e.g. ${list.slice(0, 5).join(', ')}`);
  };
  const counts = new Map<string, number>();
  for (const { messageId } of records) counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
  const stored = new Set(events.map(({ messageId }) => messageId));
  report(
    events.filter(({ messageId }) => !counts.has(messageId)).map(({ messageId }) => messageId),
    'message events never published (lost)',
  );
  report(
    [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`),
    'messages published more than once',
  );
  report(
    [...counts.keys()].filter((id) => !stored.has(id)),
    'published messages the event store does not hold',
  );

  const positions = records.map(({ feedPosition }) => feedPosition);
  if (positions.some((position) => position === null)) problems.push('records without a ledger-feed-position');
  const sorted = positions.filter((p): p is bigint => p !== null).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const misplaced = sorted.flatMap((position, index) =>
    position === BigInt(index + 1) ? [] : [`#${index + 1} holds ${position}`],
  );
  report(misplaced, 'feed positions not 1..n without gaps or repeats');

  // Per subscriber: the feed's order (partition offset) equals the event store's, and one partition only.
  const bySubscriber = new Map<string, FeedRecord[]>();
  for (const record of records) {
    const list = bySubscriber.get(record.key) ?? [];
    list.push(record);
    bySubscriber.set(record.key, list);
  }
  const outOfOrder: string[] = [];
  const split: string[] = [];
  for (const [msisdn, list] of bySubscriber) {
    if (new Set(list.map(({ partition }) => partition)).size > 1) split.push(msisdn);
    const byOffset = [...list].sort((a, b) => (a.offset < b.offset ? -1 : 1));
    for (let index = 1; index < byOffset.length; index += 1) {
      if (byOffset[index].globalPosition < byOffset[index - 1].globalPosition) {
        outOfOrder.push(`${msisdn}: ${byOffset[index - 1].messageId} before ${byOffset[index].messageId}`);
        break;
      }
    }
  }
  report(split, 'subscribers whose records are on more than one partition');
  report(outOfOrder, 'subscribers whose records are out of the event store order');
  return problems;
}
