import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from '@ledger/app/platform/database/database.js';
import { PERIOD_LOCK } from '@ledger/app/platform/database/period-lock.js';
import type { Write } from '@ledger/app/read-models/writes.js';

export interface StoredOffset {
  topic: string;
  partition: number;
  nextOffset: bigint;
}

/**
 * The next Kafka offset of each partition, written in the same transaction as the events of the
 * records before it: the ledger's own record of how far it has durably consumed.
 */
@Injectable()
export class IngestOffsetsRepository {
  /**
   * Locks the partition's row for this transaction, so that two consumers of one partition take turns,
   * and then takes the periods lock in share mode (holdPeriodsOpen), as every transaction that appends
   * and projects must before it reads, and last the heads of the streams the slice will append to
   * (event_streams_lock, in stream order), so that a slice sharing a subscriber with another waits for
   * it and reads what it committed: the locks in that order, in one round trip.
   */
  async lockHoldingPeriodsOpen(
    client: PoolClient,
    topic: string,
    partition: number,
    streamIds: readonly string[],
  ): Promise<bigint> {
    // Creates the row on first use, and either way takes its row lock and reads it; RETURNING runs
    // after the row lock, its expressions in the order written.
    const result = await client.query<{ next_offset: string }>({
      name: 'offsets-lock-periods',
      text: `INSERT INTO ingest_offsets (topic, partition, next_offset) VALUES ($1, $2, 0)
             ON CONFLICT (topic, partition) DO UPDATE SET next_offset = ingest_offsets.next_offset
             RETURNING next_offset, pg_advisory_xact_lock_shared($3::bigint) IS NOT NULL AS periods_held,
                       event_streams_lock($4::text[]) AS heads_locked`,
      values: [topic, partition, PERIOD_LOCK, streamIds],
    });
    return BigInt(result.rows[0].next_offset);
  }

  /** The statement that moves the partition's offset, for the caller to run with its other writes. */
  advance(topic: string, partition: number, nextOffset: bigint): Write {
    return {
      name: 'offsets-advance',
      text: `UPDATE ingest_offsets SET next_offset = $3::bigint, updated_at = now()
             WHERE topic = $1::text AND partition = $2::int`,
      values: [topic, partition, nextOffset.toString()],
    };
  }

  /**
   * Moves the offset past records that carry no data (transaction markers, aborted records) from
   * `from` to `last`, when everything before `from` is recorded: so lag and stall checks see them as read.
   */
  async passNonData(pool: Pool, topic: string, partition: number, from: bigint, last: bigint): Promise<void> {
    await pool.query({
      name: 'offsets-pass-non-data',
      text: `UPDATE ingest_offsets SET next_offset = $4::bigint + 1, updated_at = now()
             WHERE topic = $1 AND partition = $2 AND next_offset >= $3 AND next_offset <= $4`,
      values: [topic, partition, from.toString(), last.toString()],
    });
  }

  async read(pool: Pool | PoolClient, topic: string, partition: number): Promise<bigint> {
    const result = await pool.query<{ next_offset: string }>(
      'SELECT next_offset FROM ingest_offsets WHERE topic = $1 AND partition = $2',
      [topic, partition],
    );
    return BigInt(result.rows[0]?.next_offset ?? '0');
  }

  async all(pool: Pool | PoolClient): Promise<StoredOffset[]> {
    const result = await pool.query<{ topic: string; partition: number; next_offset: string }>(
      'SELECT topic, partition, next_offset FROM ingest_offsets ORDER BY topic, partition',
    );
    return result.rows.map((row) => ({
      topic: row.topic,
      partition: row.partition,
      nextOffset: BigInt(row.next_offset),
    }));
  }
}
