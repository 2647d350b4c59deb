import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only trigger covered rows only: TRUNCATE skips row triggers. A statement trigger
 * refuses it too, as a second line behind the service role, which has no TRUNCATE right at all.
 */
export class EventsRefuseTruncate1700000001340 implements MigrationInterface {
  name = 'EventsRefuseTruncate1700000001340';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER events_refuse_truncate ON events');
  }
}
