import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/**
 * Offset discontinuities found on input partitions, open until an operator acknowledges them
 * (CreateIngestSafeguards1700000000300). At most one open gap per partition.
 */
export async function createOffsetGapsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE ingest_offset_gaps (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        partition integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('RECORDS_DELETED', 'OFFSETS_REWOUND')),
        expected_offset bigint NOT NULL,
        found_offset bigint NOT NULL,
        detected_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by text
      )`);
  await runner.query(
    'CREATE UNIQUE INDEX ingest_offset_gaps_open ON ingest_offset_gaps (topic, partition) WHERE acknowledged_at IS NULL',
  );
}

export async function dropOffsetGapsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE ingest_offset_gaps');
}
