import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTariffVersionsTable, dropTariffVersionsTable } from '@ledger/app/rating/tariff/tariff-versions.ddl.js';

/** Tariff versions in the database, shared by every instance (docs/CONTRACT.md section 8.1). */
export class CreateTariffVersions1700000001500 implements MigrationInterface {
  name = 'CreateTariffVersions1700000001500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createTariffVersionsTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTariffVersionsTable(queryRunner);
  }
}
