import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addChargeCorrections, dropChargeCorrections } from '@ledger/app/charges/read-model/charges.ddl.js';
import { createReratingRunsTable, dropReratingRunsTable } from '@ledger/app/rerating/read-model/rerating-runs.ddl.js';

/** Rerating runs, and the corrections a charge shows (docs/CONTRACT.md section 8.2). */
export class CreateReratingRuns1700000001600 implements MigrationInterface {
  name = 'CreateReratingRuns1700000001600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createReratingRunsTable(queryRunner);
    await addChargeCorrections(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropChargeCorrections(queryRunner);
    await dropReratingRunsTable(queryRunner);
  }
}
