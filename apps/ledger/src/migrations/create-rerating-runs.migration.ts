import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addChargeCorrections, dropChargeCorrections } from '@ledger/app/charges/read-model/charges.ddl.js';
import { feedCorrections, feedNoCorrections } from '@ledger/app/rated-feed/read-model/rated-feed-position.ddl.js';
import { createReratingRunsTable, dropReratingRunsTable } from '@ledger/app/rerating/read-model/rerating-runs.ddl.js';

/** Rerating runs, the corrections a charge shows, and the feed that publishes them (docs/CONTRACT.md section 8.2). */
export class CreateReratingRuns1700000001600 implements MigrationInterface {
  name = 'CreateReratingRuns1700000001600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createReratingRunsTable(queryRunner);
    await addChargeCorrections(queryRunner);
    await feedCorrections(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await feedNoCorrections(queryRunner);
    await dropChargeCorrections(queryRunner);
    await dropReratingRunsTable(queryRunner);
  }
}
