import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createBoltOnsTable, dropBoltOnsTable } from '@ledger/app/bolt-ons/read-model/bolt-ons.ddl.js';
import {
  createAllocationsTable,
  createChargesTable,
  dropAllocationsTable,
  dropChargesTable,
} from '@ledger/app/charges/read-model/charges.ddl.js';
import {
  createIngestOffsetsTable,
  dropIngestOffsetsTable,
} from '@ledger/app/ingest/infrastructure/ingest-offsets.ddl.js';
import { createRejectionsTable, dropRejectionsTable } from '@ledger/app/rejections/read-model/rejections.ddl.js';

/**
 * Read models projected from the event store, and the ingest bookkeeping kept beside them. Applied
 * already: its name and order stay; each table's DDL lives with its read model.
 */
export class CreateReadModels1700000000100 implements MigrationInterface {
  name = 'CreateReadModels1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createChargesTable(queryRunner);
    await createBoltOnsTable(queryRunner);
    await createAllocationsTable(queryRunner);
    await createIngestOffsetsTable(queryRunner);
    await createRejectionsTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropRejectionsTable(queryRunner);
    await dropIngestOffsetsTable(queryRunner);
    await dropAllocationsTable(queryRunner);
    await dropBoltOnsTable(queryRunner);
    await dropChargesTable(queryRunner);
  }
}
