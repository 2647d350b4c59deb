import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/** The bolt-ons read model's table: one row per purchase with its units left (CreateReadModels1700000000100). */
export async function createBoltOnsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE bolt_ons (
        purchase_id text PRIMARY KEY,
        msisdn text NOT NULL,
        bolt_on text NOT NULL,
        units integer NOT NULL CHECK (units > 0),
        units_remaining integer NOT NULL CHECK (units_remaining >= 0 AND units_remaining <= units),
        price_pence integer NOT NULL CHECK (price_pence >= 0),
        recognised_pence integer NOT NULL DEFAULT 0 CHECK (recognised_pence >= 0 AND recognised_pence <= price_pence),
        purchased_at timestamptz NOT NULL,
        global_position bigint NOT NULL
      )`);
  await runner.query('CREATE INDEX bolt_ons_by_msisdn ON bolt_ons (msisdn, purchased_at, purchase_id)');
  await runner.query('CREATE INDEX bolt_ons_by_purchased_at ON bolt_ons (purchased_at)');
}

export async function dropBoltOnsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE bolt_ons');
}

/** When a bolt-on's units stop serving (docs/CONTRACT.md section 10); null: never (AddValidityAndPeriods1700000001900). */
export async function addBoltOnExpiry(runner: SchemaRunner): Promise<void> {
  await runner.query('ALTER TABLE bolt_ons ADD COLUMN expires_at timestamptz');
}

export async function dropBoltOnExpiry(runner: SchemaRunner): Promise<void> {
  await runner.query('ALTER TABLE bolt_ons DROP COLUMN expires_at');
}
