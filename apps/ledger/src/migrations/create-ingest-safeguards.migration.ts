import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createDeadLettersTable, dropDeadLettersTable } from '@ledger/app/ingest/infrastructure/dead-letters.ddl.js';
import { createOffsetGapsTable, dropOffsetGapsTable } from '@ledger/app/ingest/infrastructure/offset-gaps.ddl.js';
import { keepRejectionKeysAsBytes, keepRejectionKeysAsText } from '@ledger/app/rejections/read-model/rejections.ddl.js';

/** Issue 11: dead letters kept in Postgres until relayed, offset gaps kept until acknowledged, keys kept as bytes. */
export class CreateIngestSafeguards1700000000300 implements MigrationInterface {
  name = 'CreateIngestSafeguards1700000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createDeadLettersTable(queryRunner);
    await createOffsetGapsTable(queryRunner);
    await keepRejectionKeysAsBytes(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await keepRejectionKeysAsText(queryRunner);
    await dropOffsetGapsTable(queryRunner);
    await dropDeadLettersTable(queryRunner);
  }
}
