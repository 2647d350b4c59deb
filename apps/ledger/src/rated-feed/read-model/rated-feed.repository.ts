import { Injectable } from '@nestjs/common';
import { inPlannedTransaction, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';

/** The events the feed carries, one record each. */
export const FEED_EVENT_TYPES = ['MessageCharged', 'MessageRecorded', 'MessageRejected', 'MessageRerated'] as const;
const FEED_TYPES_SQL = FEED_EVENT_TYPES.map((type) => `'${type}'`).join(', ');

/** Where the feed stands: the last event published, in (transaction id, global position) order, and its feed position. */
export interface FeedCheckpoint {
  /** xid8 as text: compared by Postgres only. */
  readonly transactionId: string;
  readonly globalPosition: bigint;
  readonly feedPosition: bigint;
}

export interface FeedRow {
  readonly transactionId: string;
  readonly globalPosition: bigint;
  /** The sender's MSISDN: the record's key. */
  readonly key: string;
  /** The record's value, JSON text. */
  readonly payload: string;
}

export interface FeedBacklog {
  /** Message events committed and not yet published. */
  readonly depth: number;
  /** Seconds since the oldest of them was recorded; 0 when there is none. */
  readonly oldestAgeSeconds: number;
}

/**
 * The rated message as the feed publishes it: the charge of SPEC section 5 plus its globalPosition,
 * built by Postgres from the event so that the busy service thread neither parses nor serialises it
 * (test/integration/rated-feed.test.ts holds it equal to the API's charge). The event's `data` is
 * stored as json text, which every `->` would parse again: FEED_FROM converts it to jsonb once a row
 * (d), with the message (m) and the outcome (o: a correction's `after`, else the event itself).
 */
const PAYLOAD_SQL = `json_build_object(
    'messageId', m->'messageId', 'kind', m->'kind', 'sentAt', m->'sentAt',
    'sender', m->'sender', 'recipient', m->'recipient', 'roamingCountry', m->'roamingCountry',
    'status', CASE e.event_type WHEN 'MessageCharged' THEN 'CHARGED' WHEN 'MessageRecorded' THEN 'RECORDED'
                                WHEN 'MessageRerated' THEN o->>'status' ELSE 'REJECTED' END,
    'reason', o->'reason',
    'units', COALESCE(o->'units', '0'),
    'pence', COALESCE(o->'pence', '0'),
    'allocations', COALESCE((SELECT jsonb_agg(jsonb_build_object('purchaseId', a->'purchaseId', 'units', a->'units'))
                             FROM jsonb_array_elements(o->'allocations') a), '[]'),
    'tariffVersion', d->'tariffVersion',
    'correction', CASE WHEN e.event_type = 'MessageRerated'
                       THEN json_build_object('runId', d->'runId', 'before', d->'before') END,
    'globalPosition', e.global_position::text)::text`;
// A correction (MessageRerated) is the corrected charge, from its `after`, plus `correction: {runId, before}`.
// OFFSET 0 keeps the conversion a subquery of its own: flattened, it would be repeated at every use of d.
const FEED_FROM = `events e CROSS JOIN LATERAL (SELECT e.data::jsonb AS d OFFSET 0) j
  CROSS JOIN LATERAL (SELECT j.d->'message' AS m,
                             CASE WHEN e.event_type = 'MessageRerated' THEN j.d->'after' ELSE j.d END AS o) x`;

interface FeedRowRecord {
  transaction_id: string;
  global_position: string;
  message_key: string;
  payload: string;
}

const toFeedRow = (row: FeedRowRecord): FeedRow => ({
  transactionId: row.transaction_id,
  globalPosition: BigInt(row.global_position),
  key: row.message_key,
  payload: row.payload,
});

export interface ReplayRange {
  /** Global positions, both inclusive. */
  readonly fromPosition?: bigint;
  readonly toPosition?: bigint;
  /** Instants bounding recorded_at: from inclusive, to exclusive. */
  readonly fromInstant?: Date;
  readonly toInstant?: Date;
}

/**
 * The rated-message feed read straight from the event store (no outbox): only events below the
 * oldest transaction still running, so that the feed only ever grows at its end whatever the order
 * in which slices commit (libs/event-store's AddEventTransactionIds says why that holds).
 */
@Injectable()
export class RatedFeedRepository {
  /** The next events to publish after the checkpoint, in feed order, each with its record. */
  async next(client: PoolClient, after: FeedCheckpoint, limit: number): Promise<FeedRow[]> {
    const result = await client.query<FeedRowRecord>({
      name: 'rated-feed-next',
      text: `SELECT e.transaction_id::text, e.global_position, m->'sender'->>'msisdn' AS message_key, ${PAYLOAD_SQL} AS payload
             FROM ${FEED_FROM}
             WHERE e.event_type IN (${FEED_TYPES_SQL})
               AND (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
               AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY e.transaction_id, e.global_position
             LIMIT $3`,
      values: [after.transactionId, after.globalPosition.toString(), limit],
    });
    return result.rows.map(toFeedRow);
  }

  /** The feed's identity and where it stands, as last recorded after a publish. */
  async checkpoint(client: PoolClient): Promise<FeedCheckpoint & { feedId: string }> {
    const result = await client.query<{
      feed_id: string;
      transaction_id: string;
      global_position: string;
      feed_position: string;
    }>('SELECT feed_id, transaction_id::text, global_position, feed_position FROM rated_feed_position');
    const row = result.rows[0];
    return {
      feedId: row.feed_id,
      transactionId: row.transaction_id,
      globalPosition: BigInt(row.global_position),
      feedPosition: BigInt(row.feed_position),
    };
  }

  /** Records what Kafka now holds; never moves back (a relay fenced after its commit may write late). */
  async recordCheckpoint(client: PoolClient, checkpoint: FeedCheckpoint): Promise<void> {
    await client.query({
      name: 'rated-feed-record-checkpoint',
      text: `UPDATE rated_feed_position SET transaction_id = $1::xid8, global_position = $2, feed_position = $3, published_at = now()
             WHERE feed_position < $3`,
      values: [checkpoint.transactionId, checkpoint.globalPosition.toString(), checkpoint.feedPosition.toString()],
    });
  }

  /**
   * The backlog in a transaction of its own, read from the feed's index by key: planned from statistics
   * that trail the log, the count read every event of a store of 12,000,000 (13 s a reading) where the
   * backlog held none.
   */
  readBacklog(pool: Pool): Promise<FeedBacklog> {
    return inPlannedTransaction(pool, 'keyed', (client) => this.backlog(client));
  }

  /** What waits to be published, from the recorded checkpoint (which trails Kafka by a batch at most). */
  async backlog(client: PoolClient): Promise<FeedBacklog> {
    const result = await client.query<{ depth: string; age: string | null }>(
      `SELECT count(*) AS depth, extract(epoch FROM now() - min(e.recorded_at)) AS age
       FROM events e, rated_feed_position p
       WHERE e.event_type IN (${FEED_TYPES_SQL})
         AND (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)`,
    );
    const row = result.rows[0];
    return { depth: Number(row.depth), oldestAgeSeconds: Math.max(0, Number(row.age ?? 0)) };
  }

  /** How many message events a replay of this range sends. */
  async countForReplay(client: PoolClient, range: ReplayRange): Promise<number> {
    const { where, values } = replayFilter(range, 0n);
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM events e WHERE ${where}`, values);
    return Number(result.rows[0].n);
  }

  /** A page of message events of the range after a global position, in the event store's order. */
  async nextForReplay(
    client: PoolClient,
    range: ReplayRange,
    afterPosition: bigint,
    limit: number,
  ): Promise<FeedRow[]> {
    const { where, values } = replayFilter(range, afterPosition);
    const result = await client.query<FeedRowRecord>(
      `SELECT e.transaction_id::text, e.global_position, m->'sender'->>'msisdn' AS message_key, ${PAYLOAD_SQL} AS payload
       FROM ${FEED_FROM}
       WHERE ${where} ORDER BY e.global_position LIMIT ${Number(limit)}`,
      values,
    );
    return result.rows.map(toFeedRow);
  }
}

function replayFilter(range: ReplayRange, afterPosition: bigint): { where: string; values: unknown[] } {
  const values: unknown[] = [afterPosition.toString()];
  const conditions = [`e.event_type IN (${FEED_TYPES_SQL})`, 'e.global_position > $1'];
  const add = (condition: string, value: unknown): void => {
    values.push(value);
    conditions.push(condition.replace('?', `$${values.length}`));
  };
  if (range.fromPosition !== undefined) add('e.global_position >= ?', range.fromPosition.toString());
  if (range.toPosition !== undefined) add('e.global_position <= ?', range.toPosition.toString());
  if (range.fromInstant !== undefined) add('e.recorded_at >= ?', range.fromInstant);
  if (range.toInstant !== undefined) add('e.recorded_at < ?', range.toInstant);
  return { where: conditions.join(' AND '), values };
}
