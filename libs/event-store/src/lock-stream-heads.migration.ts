import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `event_streams_lock(stream_ids)`: a writer locks the heads of the streams it is about to append to,
 * in stream order, before it reads them. Two slices that share a subscriber (a purchase on the retail
 * topic, an inbound message on another partition) then take turns: the second reads the head the first
 * committed, instead of deciding on the old one and losing the append race, which rolled back and
 * redid its whole slice (a quarter of a drain's slices, docs/PERFORMANCE.md). A stream without a head
 * yet has nothing to lock: two first appends still race, and the loser decides again.
 *
 * SECURITY DEFINER: the heads are the owner's, and the service role may not lock rows it cannot update.
 */
export class LockStreamHeads1700000002100 implements MigrationInterface {
  name = 'LockStreamHeads1700000002100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION event_streams_lock(stream_ids text[]) RETURNS integer
      LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT count(*)::integer FROM (
          SELECT 1 FROM event_streams WHERE stream_id = ANY(stream_ids) ORDER BY stream_id FOR UPDATE
        ) locked
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION event_streams_lock(text[])');
  }
}
