import { formatInstant } from '@ledger/contracts';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Rejection } from './record-origin.js';

/** How much of a payload (and of a key) a list shows; GET /v1/rejections/{id}/payload gives the rest. */
export const PREVIEW_BYTES = 1024;
/** The longest detail kept: a parser's message may quote its input at length. */
export const DETAIL_CHARS = 1000;

export interface RejectionView {
  id: string;
  source: 'kafka' | 'api';
  topic: string | null;
  partition: number | null;
  offset: string | null;
  key: string | null;
  keyEncoding: 'utf8' | 'base64';
  keyTruncated: boolean;
  reason: string;
  detail: string;
  receivedAt: string;
  /** The first PREVIEW_BYTES bytes of the payload, as text or base64 (see payloadEncoding). */
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  payloadBytes: number;
  payloadTruncated: boolean;
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
  key: Buffer | null;
  key_bytes: number | null;
  reason: string;
  detail: string;
  received_at: Date;
  payload: Buffer;
  payload_bytes: number;
  replayed_at: Date | null;
  replay_outcome: string | null;
}

/** Inputs the ledger rejected or could not read, kept with their raw bytes. */
@Injectable()
export class RejectionsRepository {
  /** Returns each rejection's row id, in the order given. */
  async record(client: PoolClient, rejections: readonly Rejection[]): Promise<string[]> {
    if (rejections.length === 0) return [];
    const result = await client.query<{ id: string }>({
      name: 'rejections-insert',
      text: `INSERT INTO rejections (source, topic, partition, "offset", key, reason, detail, payload)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bytea[], $6::text[], $7::text[], $8::bytea[])
             RETURNING id`,
      values: [
        rejections.map(({ origin }) => origin.source),
        rejections.map(({ origin }) => origin.topic),
        rejections.map(({ origin }) => origin.partition),
        rejections.map(({ origin }) => origin.offset),
        rejections.map(({ origin }) => origin.key),
        rejections.map(({ reason }) => reason),
        rejections.map(({ detail }) => keepableDetail(detail)),
        rejections.map(({ origin }) => origin.payload),
      ],
    });
    // INSERT ... SELECT FROM unnest writes, and returns, the rows in the order of the arrays.
    return result.rows.map((row) => row.id);
  }

  /** A page in the order they were recorded, after the row id `afterId`, with a preview of each payload. */
  async page(client: PoolClient, afterId: bigint, limit: number): Promise<RejectionView[]> {
    const result = await client.query<RejectionRow>({
      name: 'rejections-page',
      text: `SELECT id, source, topic, partition, "offset", substring(key FROM 1 FOR $3) AS key,
                    octet_length(key) AS key_bytes, reason, detail, received_at,
                    substring(payload FROM 1 FOR $3) AS payload, octet_length(payload) AS payload_bytes,
                    replayed_at, replay_outcome
             FROM rejections WHERE id > $1 ORDER BY id LIMIT $2`,
      values: [afterId.toString(), limit, PREVIEW_BYTES],
    });
    return result.rows.map(toView);
  }

  /** The whole raw payload of one rejection, or null when there is no such rejection. */
  async payload(client: PoolClient, id: bigint): Promise<Buffer | null> {
    const result = await client.query<{ payload: Buffer }>('SELECT payload FROM rejections WHERE id = $1', [
      id.toString(),
    ]);
    return result.rows[0]?.payload ?? null;
  }
}

/** Text Postgres can keep, short enough to list: NULs and lone surrogates written as escapes, the rest cut. */
export function keepableDetail(detail: string): string {
  const escaped = detail
    .replaceAll('\u0000', '\\u0000')
    .replace(/[\uD800-\uDFFF]/gu, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`);
  return escaped.length > DETAIL_CHARS ? `${escaped.slice(0, DETAIL_CHARS - 1)}…` : escaped;
}

/** Bytes as text when they are UTF-8 (a cut multi-byte character at the end of a preview included), else base64. */
function readable(bytes: Buffer, truncated: boolean): { text: string; encoding: 'utf8' | 'base64' } {
  try {
    // A decoder of its own each time: a streaming decode keeps the cut character's bytes for the next call.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
    // Postgres text and JSON readers alike choke on NUL: such bytes go as base64.
    if (!text.includes('\u0000')) return { text, encoding: 'utf8' };
  } catch {
    // not UTF-8
  }
  return { text: bytes.toString('base64'), encoding: 'base64' };
}

function toView(row: RejectionRow): RejectionView {
  const payloadTruncated = row.payload_bytes > row.payload.length;
  const payload = readable(row.payload, payloadTruncated);
  const keyTruncated = row.key !== null && (row.key_bytes ?? 0) > row.key.length;
  const key = row.key === null ? null : readable(row.key, keyTruncated);
  return {
    id: row.id,
    source: row.source,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    key: key?.text ?? null,
    keyEncoding: key?.encoding ?? 'utf8',
    keyTruncated,
    reason: row.reason,
    detail: row.detail,
    receivedAt: formatInstant(row.received_at),
    payload: payload.text,
    payloadEncoding: payload.encoding,
    payloadBytes: row.payload_bytes,
    payloadTruncated,
    replayedAt: row.replayed_at ? formatInstant(row.replayed_at) : null,
    replayOutcome: row.replay_outcome,
  };
}
