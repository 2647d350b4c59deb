import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/** The offsets ingest has durably recorded, per input partition (CreateReadModels1700000000100). */
export async function createIngestOffsetsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE ingest_offsets (
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, partition)
      )`);
}

export async function dropIngestOffsetsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE ingest_offsets');
}
