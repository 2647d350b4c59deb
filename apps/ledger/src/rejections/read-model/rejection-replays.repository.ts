import { Injectable } from '@nestjs/common';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { RecordOrigin } from './record-origin.js';

export interface ReplayableRejection {
  id: string;
  origin: RecordOrigin;
}

export interface ReplayWindow {
  reason: string;
  /** receivedAt bounds: from inclusive, to exclusive. */
  from: string | null;
  to: string | null;
}

interface ReplayRow {
  id: string;
  source: 'kafka' | 'api';
  topic: string | null;
  partition: number | null;
  offset: string | null;
  key: RecordOrigin['key'];
  payload: Buffer;
}

/** The rejections a replay takes, oldest first, and how each came out. */
@Injectable()
export class RejectionReplaysRepository {
  /** The next rejections not yet replayed, locked; another replay running at once skips them. */
  async next(client: PoolClient, window: ReplayWindow, afterId: string, limit: number): Promise<ReplayableRejection[]> {
    const result = await client.query<ReplayRow>(
      `SELECT id, source, topic, partition, "offset", key, payload FROM rejections
       WHERE reason = $1 AND replayed_at IS NULL AND id > $2
         AND ($3::timestamptz IS NULL OR received_at >= $3) AND ($4::timestamptz IS NULL OR received_at < $4)
       ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED`,
      [window.reason, afterId, window.from, window.to, limit],
    );
    return result.rows.map(({ id, ...origin }) => ({ id, origin }));
  }

  async markReplayed(client: PoolClient, outcomes: readonly { id: string; outcome: string }[]): Promise<void> {
    if (outcomes.length === 0) return;
    await client.query(
      `UPDATE rejections SET replayed_at = now(), replay_outcome = r.outcome
       FROM unnest($1::bigint[], $2::text[]) AS r(id, outcome) WHERE rejections.id = r.id`,
      [outcomes.map(({ id }) => id), outcomes.map(({ outcome }) => outcome)],
    );
  }
}
