import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTable, dropOutboxTable } from '@ledger/app/rated-feed/read-model/outbox.ddl.js';

/**
 * Rated messages waiting to be published to ledger.message-rated.v1 (a transactional outbox). A row
 * points at its event by global_position; the relay builds the message's body from that event.
 */
export class CreateOutbox1700000000200 implements MigrationInterface {
  name = 'CreateOutbox1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createOutboxTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropOutboxTable(queryRunner);
  }
}
