import { listArchives, loadArchivesInto, PostgresEventStore, type ArchivedPartition } from '@ledger/event-store';
import type { PoolClient } from '@ledger/app/platform/database/database.js';

/** The session's view of the whole log: the live partitions and the archived months read back from their files. */
const EVENT_LOG = 'pg_temp.event_log';

/**
 * The store a replay of the whole log reads (verify, rebuild): the live one when nothing is archived;
 * else one reading a session-private view that adds every archived month, loaded from its file after
 * its sha256 is checked against `event_archives`. A missing or altered file stops the replay.
 */
export async function wholeLog(
  client: PoolClient,
  live: PostgresEventStore,
): Promise<{ eventStore: PostgresEventStore; archives: ArchivedPartition[] }> {
  const archives = await listArchives(client);
  if (archives.length === 0) return { eventStore: live, archives };
  await loadArchivesInto(client, 'archived_events');
  await client.query(
    `CREATE TEMP VIEW event_log AS SELECT * FROM public.events UNION ALL SELECT * FROM pg_temp.archived_events`,
  );
  return { eventStore: PostgresEventStore.readingFrom(EVENT_LOG), archives };
}

/** Drops what wholeLog made in this session (a replay outside one transaction). */
export async function dropWholeLog(client: PoolClient): Promise<void> {
  await client.query('DROP VIEW IF EXISTS pg_temp.event_log');
  await client.query('DROP TABLE IF EXISTS pg_temp.archived_events');
}
