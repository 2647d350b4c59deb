import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addRejectionReplays, dropRejectionReplays } from '@ledger/app/rejections/read-model/rejections.ddl.js';

/** Replaying what the tariff could not rate (docs/CONTRACT.md section 8.3): each rejection at most once. */
export class CreateRejectionReplays1700000001700 implements MigrationInterface {
  name = 'CreateRejectionReplays1700000001700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await addRejectionReplays(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropRejectionReplays(queryRunner);
  }
}
