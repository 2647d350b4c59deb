import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/** The rejections read model's table: every input set aside, with its raw payload (CreateReadModels1700000000100). */
export async function createRejectionsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE rejections (
        id bigserial PRIMARY KEY,
        source text NOT NULL CHECK (source IN ('kafka', 'api')),
        topic text,
        partition integer,
        "offset" bigint,
        key text,
        reason text NOT NULL,
        detail text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        payload bytea NOT NULL
      )`);
  await runner.query(
    'CREATE UNIQUE INDEX rejections_once_per_record ON rejections (topic, partition, "offset") WHERE source = \'kafka\'',
  );
}

export async function dropRejectionsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE rejections');
}
