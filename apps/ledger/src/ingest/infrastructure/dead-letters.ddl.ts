import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/**
 * Dead letters waiting for `<topic>.dlq`, written in the transaction that rejects their record and
 * deleted by the relay once Kafka has them (CreateIngestSafeguards1700000000300).
 */
export async function createDeadLettersTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        key bytea,
        value bytea NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
}

export async function dropDeadLettersTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE dead_letters');
}
