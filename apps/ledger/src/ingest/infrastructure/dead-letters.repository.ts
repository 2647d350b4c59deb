import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from '@ledger/app/platform/database/database.js';

export interface NewDeadLetter {
  /** The dead-letter topic: `<topic>.dlq`. */
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface WaitingDeadLetter {
  readonly id: bigint;
  readonly topic: string;
  readonly key: Buffer | null;
  /** At most the first `valueCap` bytes asked for; valueBytes says how many there are. */
  readonly value: Buffer;
  readonly valueBytes: number;
  readonly headers: Record<string, string>;
}

export interface DeadLetterBacklog {
  readonly pending: number;
  readonly oldestAt: Date | null;
}

/** Dead letters written with their rejection, waiting for the relay to hand them to Kafka. */
@Injectable()
export class DeadLettersRepository {
  async enqueue(client: PoolClient, letters: readonly NewDeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await client.query({
      name: 'dead-letters-enqueue',
      text: `INSERT INTO dead_letters (topic, key, value, headers)
             SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::jsonb[])`,
      values: [
        letters.map(({ topic }) => topic),
        letters.map(({ key }) => key),
        letters.map(({ value }) => value),
        letters.map(({ headers }) => JSON.stringify(headers)),
      ],
    });
  }

  /**
   * The oldest letters whose sizes (key, value up to `valueCap`, headers) add up to at most
   * `budgetBytes`, and always the oldest one, so that one send stays under the broker's limit.
   */
  async next(pool: Pool, budgetBytes: number, valueCap: number, limit: number): Promise<WaitingDeadLetter[]> {
    const result = await pool.query<{
      id: string;
      topic: string;
      key: Buffer | null;
      value: Buffer;
      value_bytes: number;
      headers: Record<string, string>;
    }>({
      name: 'dead-letters-next',
      text: `SELECT id, topic, key, substring(value FROM 1 FOR $2) AS value, value_bytes, headers
             FROM (SELECT id, topic, key, value, octet_length(value) AS value_bytes, headers,
                          sum(coalesce(octet_length(key), 0) + least(octet_length(value), $2) + octet_length(headers::text) + 64)
                            OVER (ORDER BY id) AS running
                   FROM (SELECT * FROM dead_letters ORDER BY id LIMIT $3) oldest) sized
             WHERE running <= $1 OR id = (SELECT min(id) FROM dead_letters)
             ORDER BY id`,
      values: [budgetBytes, valueCap, limit],
    });
    return result.rows.map((row) => ({
      id: BigInt(row.id),
      topic: row.topic,
      key: row.key,
      value: row.value,
      valueBytes: row.value_bytes,
      headers: row.headers,
    }));
  }

  async remove(pool: Pool, ids: readonly bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await pool.query({
      name: 'dead-letters-remove',
      text: 'DELETE FROM dead_letters WHERE id = ANY($1::bigint[])',
      values: [ids.map(String)],
    });
  }

  async backlog(pool: Pool): Promise<DeadLetterBacklog> {
    const result = await pool.query<{ pending: string; oldest_at: Date | null }>(
      'SELECT count(*) AS pending, (SELECT created_at FROM dead_letters ORDER BY id LIMIT 1) AS oldest_at FROM dead_letters',
    );
    return { pending: Number(result.rows[0].pending), oldestAt: result.rows[0].oldest_at };
  }
}
