import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxTable, dropOutboxTable } from '@ledger/app/rated-feed/read-model/outbox.ddl.js';
import {
  createRatedFeedPosition,
  dropRatedFeedPosition,
  startRatedFeedAfterOutbox,
} from '@ledger/app/rated-feed/read-model/rated-feed-position.ddl.js';

/**
 * The feed is read from the event store itself, in (transaction id, global position) order, and the
 * outbox goes: one write fewer per message (docs/FEED.md). A database upgraded with rows still in
 * the outbox publishes again from the oldest of them (readers drop repeats by messageId); with the
 * outbox empty (the service stopped and drained first) the feed resumes exactly where it was.
 */
export class ReadRatedFeedFromEventStore1700000001300 implements MigrationInterface {
  name = 'ReadRatedFeedFromEventStore1700000001300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createRatedFeedPosition(queryRunner);
    await startRatedFeedAfterOutbox(queryRunner);
    await dropOutboxTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await createOutboxTable(queryRunner);
    await dropRatedFeedPosition(queryRunner);
  }
}
