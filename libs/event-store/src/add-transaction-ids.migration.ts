import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each event keeps the id of the transaction that appended it (`pg_current_xact_id()`). A reader
 * that takes only events below `pg_snapshot_xmin(pg_current_snapshot())`, in (transaction_id,
 * global_position) order, sees a log that only ever grows at its end: global positions are handed
 * out before commit, so they become visible out of order, but no transaction still running has an
 * id below that horizon. Events appended before this migration keep transaction id 0.
 */
export class AddEventTransactionIds1700000001200 implements MigrationInterface {
  name = 'AddEventTransactionIds1700000001200';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A constant default first, so that existing rows are not rewritten (nor seen by the append-only trigger).
    await queryRunner.query(`ALTER TABLE events ADD COLUMN transaction_id xid8 NOT NULL DEFAULT '0'`);
    await queryRunner.query('ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id()');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE events DROP COLUMN transaction_id');
  }
}
