import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only event log: a global position, a version per stream, a unique idempotency key.
 * Event bodies are stored as `json` (kept as written, no binary conversion on the hot path).
 */
export class CreateEventStore1700000000000 implements MigrationInterface {
  name = 'CreateEventStore1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE events (
        global_position bigserial PRIMARY KEY,
        stream_id text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        event_type text NOT NULL,
        idempotency_key text NOT NULL,
        data json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
        CONSTRAINT events_idempotency_key_key UNIQUE (idempotency_key)
      )`);
    // Events are facts: the log refuses updates and deletes.
    await queryRunner.query(`
      CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the event store is append-only'; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE events');
    await queryRunner.query('DROP FUNCTION events_append_only');
  }
}
