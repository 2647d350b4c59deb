import type { MigrationInterface, QueryRunner } from 'typeorm';

const FEED_TYPES = "('MessageCharged', 'MessageRecorded', 'MessageRejected')";

/**
 * The feed is read from the event store itself, in (transaction id, global position) order, and the
 * outbox goes: one write fewer per message. `rated_feed_position` mirrors what Kafka holds (the relay
 * records it after every committed Kafka transaction): the metrics read it, and a relay taking over
 * falls back to it when Kafka has no position. A database upgraded with rows still in the outbox
 * publishes again from the oldest of them (readers drop repeats by messageId); an empty outbox
 * (the service stopped and drained first) resumes exactly where it was.
 */
export class ReadRatedFeedFromEventStore1700000001300 implements MigrationInterface {
  name = 'ReadRatedFeedFromEventStore1700000001300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX events_feed_order ON events (transaction_id, global_position) WHERE event_type IN ${FEED_TYPES}`,
    );
    await queryRunner.query(`
      CREATE TABLE rated_feed_position (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        feed_id uuid NOT NULL DEFAULT gen_random_uuid(),
        transaction_id xid8 NOT NULL,
        global_position bigint NOT NULL,
        feed_position bigint NOT NULL,
        published_at timestamptz
      )`);
    await queryRunner.query(`
      INSERT INTO rated_feed_position (transaction_id, global_position, feed_position)
      SELECT '0', COALESCE((SELECT min(global_position) - 1 FROM outbox), (SELECT max(global_position) FROM events), 0), 0`);
    await queryRunner.query('DROP TABLE outbox');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        message_key text NOT NULL,
        message_id text NOT NULL,
        global_position bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('DROP TABLE rated_feed_position');
    await queryRunner.query('DROP INDEX events_feed_order');
  }
}
