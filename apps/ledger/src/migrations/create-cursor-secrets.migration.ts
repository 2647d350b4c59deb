import type { MigrationInterface, QueryRunner } from 'typeorm';

/** docs/CONTRACT.md section 7: the random cursor secret every instance shares, one row, made at first start. */
export class CreateCursorSecrets1700000001330 implements MigrationInterface {
  name = 'CreateCursorSecrets1700000001330';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE cursor_secrets (
        id smallint PRIMARY KEY CHECK (id = 1),
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE cursor_secrets');
  }
}
