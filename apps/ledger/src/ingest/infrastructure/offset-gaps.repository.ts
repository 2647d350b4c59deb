import { Injectable } from '@nestjs/common';
import { formatInstant } from '@ledger/contracts';
import { inTransaction, type Pool } from '@ledger/app/platform/database/database.js';

/** RECORDS_DELETED: the log starts past the recorded offset. OFFSETS_REWOUND: it ends before it (a topic re-created). */
export type OffsetGapKind = 'RECORDS_DELETED' | 'OFFSETS_REWOUND';

export interface OffsetGap {
  topic: string;
  partition: number;
  kind: OffsetGapKind;
  /** The offset the ledger had recorded up to: the next one it expected. */
  expectedOffset: string;
  /** The first offset the partition still holds: where consumption goes on once acknowledged. */
  foundOffset: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

interface GapRow {
  topic: string;
  partition: number;
  kind: OffsetGapKind;
  expected_offset: string;
  found_offset: string;
  detected_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

/** Offset discontinuities on the input partitions: kept open, and the partition held, until acknowledged. */
@Injectable()
export class OffsetGapsRepository {
  /** Records a gap; false when the partition already has one open. */
  async open(
    pool: Pool,
    gap: { topic: string; partition: number; kind: OffsetGapKind; expectedOffset: bigint; foundOffset: bigint },
  ): Promise<boolean> {
    const result = await pool.query(
      `INSERT INTO ingest_offset_gaps (topic, partition, kind, expected_offset, found_offset)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (topic, partition) WHERE acknowledged_at IS NULL DO NOTHING`,
      [gap.topic, gap.partition, gap.kind, gap.expectedOffset.toString(), gap.foundOffset.toString()],
    );
    return result.rowCount === 1;
  }

  async openGaps(pool: Pool): Promise<OffsetGap[]> {
    const result = await pool.query<GapRow>(
      'SELECT * FROM ingest_offset_gaps WHERE acknowledged_at IS NULL ORDER BY topic, partition',
    );
    return result.rows.map(toGap);
  }

  /**
   * Closes the partition's open gap and moves its recorded offset to where the log now starts, in
   * one transaction: the operator accepts that the records in between are gone. Null when none is open.
   */
  async acknowledge(pool: Pool, topic: string, partition: number, by: string): Promise<OffsetGap | null> {
    return inTransaction(pool, async (client) => {
      const closed = await client.query<GapRow>(
        `UPDATE ingest_offset_gaps SET acknowledged_at = now(), acknowledged_by = $3
         WHERE topic = $1 AND partition = $2 AND acknowledged_at IS NULL RETURNING *`,
        [topic, partition, by],
      );
      const [row] = closed.rows;
      if (!row) return null;
      await client.query(
        `UPDATE ingest_offsets SET next_offset = $4, updated_at = now()
         WHERE topic = $1 AND partition = $2 AND next_offset = $3`,
        [topic, partition, row.expected_offset, row.found_offset],
      );
      return toGap(row);
    });
  }
}

function toGap(row: GapRow): OffsetGap {
  return {
    topic: row.topic,
    partition: row.partition,
    kind: row.kind,
    expectedOffset: row.expected_offset,
    foundOffset: row.found_offset,
    detectedAt: formatInstant(row.detected_at),
    acknowledgedAt: row.acknowledged_at ? formatInstant(row.acknowledged_at) : null,
    acknowledgedBy: row.acknowledged_by,
  };
}
