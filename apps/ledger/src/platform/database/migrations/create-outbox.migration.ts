import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rated messages waiting to be published to ledger.message-rated.v1 (a transactional outbox). A row
 * names the message; the relay reads its body from the charges read model.
 */
export class CreateOutbox1700000000200 implements MigrationInterface {
  name = 'CreateOutbox1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        message_key text NOT NULL,
        message_id text NOT NULL,
        global_position bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE outbox');
  }
}
