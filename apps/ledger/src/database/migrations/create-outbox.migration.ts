import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Rated messages waiting to be published to ledger.message-rated.v1 (a transactional outbox). */
export class CreateOutbox1700000000200 implements MigrationInterface {
  name = 'CreateOutbox1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        message_key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE outbox');
  }
}
