import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { createReliableProducer, type Kafka } from '@ledger/app/platform/kafka/kafka.js';
import { FEED_HEADERS, sizedSends } from './feed-records.js';
import { feedRecords, readFeedTopic } from './feed-topic.js';
import type { RatedFeedRepository, ReplayRange } from './read-model/rated-feed.repository.js';

export const REPLAY_USAGE = `replay-feed --from-position N | --from-date YYYY-MM-DD [--to N | --to YYYY-MM-DD]
            publish the rated messages again from the event store to ledger.message-rated.v1, with
            the header ledger-replay: true and the run's id in ledger-replay-run: from a global
            position (the globalPosition of a feed record) or from a UTC day the ledger recorded
            them, to a position or a day, both inclusive (default: everything recorded since)`;

export class ReplayUsageError extends Error {
  readonly code = 'INVALID_REPLAY_ARGUMENTS';
}

const POSITION = /^[1-9][0-9]{0,18}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC midnight that starts the day, or null when it is not a day of the calendar. */
function dayStart(text: string): Date | null {
  const match = DATE.exec(text);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text ? date : null;
}

/** Reads `--from-position N | --from-date D [--to N|D]`; a wrong argument is named, with what it must be. */
export function parseReplayArguments(args: readonly string[]): ReplayRange {
  const values = new Map<string, string>();
  for (let index = 0; index < args.length; index += 2) {
    const name = args[index];
    const value = args[index + 1];
    if (!['--from-position', '--from-date', '--to'].includes(name)) {
      throw new ReplayUsageError(`unknown argument ${name}: expected --from-position, --from-date or --to`);
    }
    if (value === undefined || value.startsWith('--')) throw new ReplayUsageError(`${name} needs a value`);
    if (values.has(name)) throw new ReplayUsageError(`${name} is given twice`);
    values.set(name, value);
  }
  const fromPosition = values.get('--from-position');
  const fromDate = values.get('--from-date');
  if ((fromPosition === undefined) === (fromDate === undefined)) {
    throw new ReplayUsageError('give exactly one of --from-position N or --from-date YYYY-MM-DD');
  }
  const range: { -readonly [K in keyof ReplayRange]: ReplayRange[K] } = {};
  if (fromPosition !== undefined) {
    if (!POSITION.test(fromPosition)) {
      throw new ReplayUsageError(`--from-position must be a global position (1 or more), not ${fromPosition}`);
    }
    range.fromPosition = BigInt(fromPosition);
  } else {
    const start = dayStart(fromDate!);
    if (!start) throw new ReplayUsageError(`--from-date must be a day YYYY-MM-DD, not ${fromDate}`);
    range.fromInstant = start;
  }
  const to = values.get('--to');
  if (to !== undefined) {
    const day = dayStart(to);
    if (POSITION.test(to)) range.toPosition = BigInt(to);
    else if (day) range.toInstant = new Date(day.getTime() + 24 * 60 * 60 * 1000);
    else throw new ReplayUsageError(`--to must be a global position or a day YYYY-MM-DD, not ${to}`);
    if (range.fromPosition !== undefined && range.toPosition !== undefined && range.toPosition < range.fromPosition) {
      throw new ReplayUsageError(`--to ${to} is before --from-position ${fromPosition}`);
    }
    if (range.fromInstant && range.toInstant && range.toInstant <= range.fromInstant) {
      throw new ReplayUsageError(`--to ${to} is before --from-date ${fromDate}`);
    }
  }
  return range;
}

export interface ReplayFeedProgress {
  readonly published: number;
  readonly total: number;
}

export interface ReplayResult {
  readonly runId: string;
  readonly published: number;
  readonly references: number;
  readonly firstPosition: bigint | null;
  readonly lastPosition: bigint | null;
}

const PAGE = 2000;

/**
 * Publishes the rated messages of a range again, from the event store, in its order (so in order per
 * subscriber, on the partitions the live feed uses), sized in bytes as the relay sends them. The
 * live relay goes on meanwhile: readers tell a replayed record by its ledger-replay header.
 */
export async function replayFeed(
  pool: Pool,
  kafka: Kafka,
  feedTopic: string,
  feed: RatedFeedRepository,
  range: ReplayRange,
  onProgress: (progress: ReplayFeedProgress) => void,
): Promise<ReplayResult> {
  const logger = new Logger('replay-feed');
  const runId = randomUUID();
  const admin = kafka.admin();
  await admin.connect();
  const topic = await readFeedTopic(admin, feedTopic, logger).finally(() => admin.disconnect());
  const producer = createReliableProducer(kafka);
  await producer.connect();
  const client = await pool.connect();
  let published = 0;
  let references = 0;
  let firstPosition: bigint | null = null;
  let lastPosition: bigint | null = null;
  try {
    const total = await feed.countForReplay(client, range);
    onProgress({ published, total });
    for (let after = 0n; ;) {
      const rows = await feed.nextForReplay(client, range, after, PAGE);
      if (rows.length === 0) break;
      const records = feedRecords(
        rows,
        topic,
        () => ({ [FEED_HEADERS.replay]: 'true', [FEED_HEADERS.replayRun]: runId }),
        (row, bytes) => {
          references += 1;
          logger.warn(`the charge at event ${row.globalPosition} is ${bytes} bytes: replayed as a reference`);
        },
      );
      for (const send of sizedSends(records, topic.sendBytes)) {
        await producer.send({
          topic: feedTopic,
          acks: -1,
          messages: send.map(({ partition, key, value, headers }) => ({ partition, key, value, headers })),
        });
      }
      firstPosition ??= rows[0].globalPosition;
      after = lastPosition = rows[rows.length - 1].globalPosition;
      published += rows.length;
      onProgress({ published, total: Math.max(total, published) });
    }
  } finally {
    client.release();
    await producer.disconnect().catch(() => undefined);
  }
  return { runId, published, references, firstPosition, lastPosition };
}
