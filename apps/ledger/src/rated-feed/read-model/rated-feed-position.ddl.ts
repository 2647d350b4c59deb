import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';
import { FEED_EVENT_TYPES } from './rated-feed.repository.js';

const FEED_TYPES = `(${FEED_EVENT_TYPES.map((type) => `'${type}'`).join(', ')})`;
// The list the index was first built with (ReadRatedFeedFromEventStore1700000001300), kept as applied.
const FIRST_FEED_TYPES = "('MessageCharged', 'MessageRecorded', 'MessageRejected')";

/**
 * The feed's order over the event store (message events by transaction id, then global position),
 * and `rated_feed_position`: the feed's id and the last event published, as the relay records it
 * after every committed Kafka transaction (ReadRatedFeedFromEventStore1700000001300).
 */
export async function createRatedFeedPosition(runner: SchemaRunner): Promise<void> {
  await runner.query(
    `CREATE INDEX events_feed_order ON events (transaction_id, global_position) WHERE event_type IN ${FIRST_FEED_TYPES}`,
  );
  await runner.query(`
      CREATE TABLE rated_feed_position (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        feed_id uuid NOT NULL DEFAULT gen_random_uuid(),
        transaction_id xid8 NOT NULL,
        global_position bigint NOT NULL,
        feed_position bigint NOT NULL,
        published_at timestamptz
      )`);
}

/**
 * Where a feed read from the event store starts: after the oldest row still in the outbox (what it
 * had not yet published), or after the last event when the outbox is empty.
 */
export async function startRatedFeedAfterOutbox(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      INSERT INTO rated_feed_position (transaction_id, global_position, feed_position)
      SELECT '0', COALESCE((SELECT min(global_position) - 1 FROM outbox), (SELECT max(global_position) FROM events), 0), 0`);
}

export async function dropRatedFeedPosition(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE rated_feed_position');
  await runner.query('DROP INDEX events_feed_order');
}

/** The feed's order index covers corrections too (CreateReratingRuns1700000001600). */
export async function feedCorrections(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP INDEX events_feed_order');
  await runner.query(
    `CREATE INDEX events_feed_order ON events (transaction_id, global_position) WHERE event_type IN ${FEED_TYPES}`,
  );
}

export async function feedNoCorrections(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP INDEX events_feed_order');
  await runner.query(
    `CREATE INDEX events_feed_order ON events (transaction_id, global_position) WHERE event_type IN ${FIRST_FEED_TYPES}`,
  );
}
