import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/** Rated messages waiting for the relay (CreateOutbox1700000000200); a row points at its event by global_position. */
export async function createOutboxTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        message_key text NOT NULL,
        message_id text NOT NULL,
        global_position bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
}

export async function dropOutboxTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE outbox');
}
