import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/** Every tariff the ledger has rated with, numbered from 1 (CreateTariffVersions1700000001500). */
export async function createTariffVersionsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE tariff_versions (
        version integer PRIMARY KEY CHECK (version > 0),
        document jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
}

export async function dropTariffVersionsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE tariff_versions');
}
