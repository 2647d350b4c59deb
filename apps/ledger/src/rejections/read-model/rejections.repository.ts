import { formatInstant } from '@ledger/contracts';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Rejection } from './record-origin.js';

export interface RejectionView {
  id: string;
  source: 'kafka' | 'api';
  topic: string | null;
  partition: number | null;
  offset: string | null;
  key: string | null;
  reason: string;
  detail: string;
  receivedAt: string;
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  /** When a replay rated it again (docs/CONTRACT.md section 8.3), and how it came out; null until then. */
  replayedAt: string | null;
  replayOutcome: string | null;
}

interface RejectionRow {
  id: string;
  source: 'kafka' | 'api';
  topic: string | null;
  partition: number | null;
  offset: string | null;
  key: string | null;
  reason: string;
  detail: string;
  received_at: Date;
  payload: Buffer;
  replayed_at: Date | null;
  replay_outcome: string | null;
}

/** Inputs the ledger rejected or could not read, kept with their raw bytes. */
@Injectable()
export class RejectionsRepository {
  async record(client: PoolClient, rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    await client.query({
      name: 'rejections-insert',
      text: `INSERT INTO rejections (source, topic, partition, "offset", key, reason, detail, payload)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::bytea[])`,
      values: [
        rejections.map(({ origin }) => origin.source),
        rejections.map(({ origin }) => origin.topic),
        rejections.map(({ origin }) => origin.partition),
        rejections.map(({ origin }) => origin.offset),
        rejections.map(({ origin }) => origin.key),
        rejections.map(({ reason }) => reason),
        rejections.map(({ detail }) => detail),
        rejections.map(({ origin }) => origin.payload),
      ],
    });
  }

  /** A page in the order they were recorded, after the row id `afterId`. */
  async page(client: PoolClient, afterId: bigint, limit: number): Promise<RejectionView[]> {
    const result = await client.query<RejectionRow>('SELECT * FROM rejections WHERE id > $1 ORDER BY id LIMIT $2', [
      afterId.toString(),
      limit,
    ]);
    return result.rows.map(toView);
  }
}

function toView(row: RejectionRow): RejectionView {
  const text = row.payload.toString('utf8');
  const isUtf8 = Buffer.from(text, 'utf8').equals(row.payload);
  return {
    id: row.id,
    source: row.source,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    key: row.key,
    reason: row.reason,
    detail: row.detail,
    receivedAt: formatInstant(row.received_at),
    payload: isUtf8 ? text : row.payload.toString('base64'),
    payloadEncoding: isUtf8 ? 'utf8' : 'base64',
    replayedAt: row.replayed_at ? formatInstant(row.replayed_at) : null,
    replayOutcome: row.replay_outcome,
  };
}
