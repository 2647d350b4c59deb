import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addBoltOnExpiry, dropBoltOnExpiry } from '@ledger/app/bolt-ons/read-model/bolt-ons.ddl.js';
import {
  backfillFinancePostings,
  createFinanceTables,
  dropFinanceTables,
} from '@ledger/app/finance/read-model/finance.ddl.js';

/** Bolt-on validity, breakage and accounting periods (docs/CONTRACT.md sections 9 and 10). */
export class AddValidityAndPeriods1700000001900 implements MigrationInterface {
  name = 'AddValidityAndPeriods1700000001900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await addBoltOnExpiry(queryRunner);
    await createFinanceTables(queryRunner);
    await backfillFinancePostings(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropFinanceTables(queryRunner);
    await dropBoltOnExpiry(queryRunner);
  }
}
