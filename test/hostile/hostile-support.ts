import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { apiClient, eventually, KEYS, type Environment } from '../support/ledger-harness.js';

const run = promisify(execFile);

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const CODECS: readonly Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Produces with kcat (librdkafka), as a real upstream does: one file per record, so any bytes go
 * as they are, all in one compressed batch per partition when a codec is named.
 */
export async function kcatProduce(
  topic: string,
  records: readonly Buffer[],
  options: { codec: Codec; partition: number; key?: string },
): Promise<void> {
  if (records.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-kcat-'));
  try {
    const files = records.map((value, index) => {
      const file = join(dir, `${String(index).padStart(6, '0')}.bin`);
      writeFileSync(file, value);
      return file;
    });
    const args = [
      '-P',
      '-b',
      process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      '-t',
      topic,
      '-p',
      String(options.partition),
    ];
    if (options.codec !== 'none') args.push('-z', options.codec);
    if (options.key !== undefined) args.push('-k', options.key);
    // Many records per batch, as a busy producer sends them.
    args.push('-X', 'linger.ms=50', '-X', 'batch.num.messages=10000', ...files);
    await run('kcat', args, { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function testPool(environment: Environment): pg.Pool {
  return new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 2 });
}

export interface IngestPartition {
  topic: string;
  partition: number;
  nextOffset: string;
  highWatermark: string;
  lag: string;
  gap: null | { expectedOffset: string; foundOffset: string; kind: string };
}

/** Waits until every input partition is recorded up to its high watermark. */
export async function waitDrained(url: string, timeoutMs = 60_000): Promise<IngestPartition[]> {
  return eventually(async () => {
    const response = await apiClient(url, KEYS.finance).get<{ partitions: IngestPartition[] }>('/v1/ingest');
    if (response.status !== 200) throw new Error(`/v1/ingest answered ${response.status}`);
    const behind = response.body.partitions.filter((partition) => partition.lag !== '0');
    if (behind.length > 0) throw new Error(`not drained: ${JSON.stringify(behind)}`);
    return response.body.partitions;
  }, timeoutMs);
}

export interface RejectionItem {
  id: string;
  source: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  keyEncoding: 'utf8' | 'base64';
  reason: string;
  detail: string;
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  payloadBytes: number;
  payloadTruncated: boolean;
}

export async function allRejections(url: string, limit = 1000): Promise<RejectionItem[]> {
  const api = apiClient(url, KEYS.finance);
  const items: RejectionItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages += 1) {
    const page: { status: number; body: { items: RejectionItem[]; nextCursor: string | null } } = await api.get<{
      items: RejectionItem[];
      nextCursor: string | null;
    }>(`/v1/rejections?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`/v1/rejections answered ${page.status}: ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('more than 1000 pages of rejections');
}

/** The raw bytes of a rejection, whole, from GET /v1/rejections/{id}/payload. */
export async function rejectionPayload(url: string, id: string): Promise<Buffer> {
  const response = await fetch(`${url}/v1/rejections/${id}/payload`, {
    headers: { authorization: `Bearer ${KEYS.finance}` },
  });
  if (response.status !== 200) throw new Error(`payload of ${id} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export async function health(url: string, path = '/health'): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path);
  return { status: response.status, body: await response.json() };
}

/** The charge of a message, or the HTTP status when there is none. */
export async function chargeStatus(url: string, messageId: string): Promise<number> {
  return (await apiClient(url, KEYS.finance).get(`/v1/messages/${encodeURIComponent(messageId)}`)).status;
}
