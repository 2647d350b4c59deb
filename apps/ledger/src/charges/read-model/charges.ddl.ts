import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/** The charges read model's table: one row per rated message (CreateReadModels1700000000100). */
export async function createChargesTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE charges (
        message_id text PRIMARY KEY,
        sender_msisdn text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('SMS', 'MMS')),
        sent_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('CHARGED', 'RECORDED', 'REJECTED')),
        units integer NOT NULL CHECK (units >= 0),
        pence integer NOT NULL CHECK (pence >= 0),
        partner_network text,
        global_position bigint NOT NULL
      )`);
  // The charge's body is its event: the row holds what queries filter and sum on, and where the event is.
  await runner.query('CREATE INDEX charges_by_sender ON charges (sender_msisdn, sent_at, message_id)');
  // sent_at grows with the traffic, so a BRIN index serves day ranges at a fraction of a btree's write cost.
  await runner.query('CREATE INDEX charges_by_sent_at ON charges USING brin (sent_at)');
}

export async function dropChargesTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE charges');
}

/** Which bolt-on units each message used, and the revenue they recognised (CreateReadModels1700000000100). */
export async function createAllocationsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE allocations (
        message_id text NOT NULL,
        purchase_id text NOT NULL,
        msisdn text NOT NULL,
        sent_at timestamptz NOT NULL,
        units integer NOT NULL CHECK (units > 0),
        recognised_pence integer NOT NULL CHECK (recognised_pence >= 0),
        PRIMARY KEY (message_id, purchase_id)
      )`);
  await runner.query('CREATE INDEX allocations_by_purchase ON allocations (purchase_id, sent_at)');
  await runner.query('CREATE INDEX allocations_by_sent_at ON allocations USING brin (sent_at)');
}

export async function dropAllocationsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE allocations');
}

/** The reratings each charge went through (CreateReratingRuns1700000001600). */
export async function addChargeCorrections(runner: SchemaRunner): Promise<void> {
  await runner.query(`ALTER TABLE charges ADD COLUMN corrections jsonb NOT NULL DEFAULT '[]'::jsonb`);
}

export async function dropChargeCorrections(runner: SchemaRunner): Promise<void> {
  await runner.query('ALTER TABLE charges DROP COLUMN corrections');
}
