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

/** A record's key as the bytes Kafka gave: a key need not be UTF-8, nor free of NUL (CreateIngestSafeguards1700000000300). */
export async function keepRejectionKeysAsBytes(runner: SchemaRunner): Promise<void> {
  await runner.query(`ALTER TABLE rejections ALTER COLUMN key TYPE bytea USING convert_to(key, 'UTF8')`);
}

export async function keepRejectionKeysAsText(runner: SchemaRunner): Promise<void> {
  await runner.query(`ALTER TABLE rejections ALTER COLUMN key TYPE text USING encode(key, 'escape')`);
}

/** When a rejection the tariff could not rate was replayed, and how (CreateRejectionReplays1700000001700). */
export async function addRejectionReplays(runner: SchemaRunner): Promise<void> {
  await runner.query('ALTER TABLE rejections ADD COLUMN replayed_at timestamptz, ADD COLUMN replay_outcome text');
  await runner.query('CREATE INDEX rejections_to_replay ON rejections (reason, id) WHERE replayed_at IS NULL');
}

export async function dropRejectionReplays(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP INDEX rejections_to_replay');
  await runner.query('ALTER TABLE rejections DROP COLUMN replay_outcome, DROP COLUMN replayed_at');
}
