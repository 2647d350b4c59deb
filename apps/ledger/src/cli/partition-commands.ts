import { resolve } from 'node:path';
import {
  archivePartition,
  ArchiveRefusedError,
  ensureEventPartitions,
  listArchives,
  listEventPartitions,
  quoteName,
  restorePartition,
  type EventPartition,
} from '@ledger/event-store';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import { FEED_EVENT_TYPES } from '@ledger/app/rated-feed/read-model/rated-feed.repository.js';

export const PARTITION_USAGE = `  partitions
            create the event store's partitions ahead (this month and the next two) where missing, then list
            every partition with its range and events, and the months archived (docs/PARTITIONS.md)
  archive-partition <YYYY-MM | partition> <directory>
            detach a month of the event store, write it to <directory>/<partition>.copy with a manifest,
            check the file, then drop it; refused unless the month is closed and the feed has published it
  restore-partition <file>
            check an archive file against its manifest and the archive's record, then attach it again`;

/** `partitions`: the months ahead made sure of, then what is live and what is archived. */
export async function partitionsCommand(client: PoolClient): Promise<number> {
  const created = await ensureEventPartitions(client);
  if (created.length > 0) process.stdout.write(`created ${created.join(', ')}\n`);
  for (const partition of await listEventPartitions(client)) {
    const range = partition.isDefault
      ? 'default (rows of no other partition)'
      : `${partition.from?.toISOString() ?? 'the beginning'} to ${partition.to!.toISOString()}`;
    process.stdout.write(
      `${partition.name.padEnd(24)} ${range.padEnd(52)} ${String(partition.events).padStart(12)} events ` +
        `${(partition.bytes / 2 ** 20).toFixed(1).padStart(10)} MiB\n`,
    );
  }
  for (const archive of await listArchives(client)) {
    process.stdout.write(`${archive.partition.padEnd(24)} archived to ${archive.file} (${archive.events} events)\n`);
  }
  return 0;
}

/** `archive-partition`: refused unless the month is closed and published, then archivePartition. */
export async function archivePartitionCommand(client: PoolClient, args: string[]): Promise<number> {
  const [which, directory, ...rest] = args;
  if (!which || !directory || rest.length > 0) return usage();
  const partitions = await listEventPartitions(client);
  const wanted = /^\d{4}-\d{2}$/.test(which) ? `events_${which.replace('-', '_')}` : which;
  const partition = partitions.find((candidate) => candidate.name === wanted);
  if (!partition) {
    process.stderr.write(`archive-partition: no partition ${wanted} (npm run ledger -- partitions lists them)\n`);
    return 1;
  }
  const refusal = await archiveRefusal(client, partition);
  if (refusal) {
    process.stderr.write(`archive-partition: ${partition.name} stays: ${refusal}\n`);
    return 1;
  }
  try {
    const archived = await archivePartition(client, partition, resolve(directory));
    process.stdout.write(
      `archived ${archived.partition}: ${archived.events} events to ${archived.file} (sha256 ${archived.sha256}); ` +
        'the partition is dropped, its idempotency keys stay taken\n',
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ArchiveRefusedError)) throw error;
    process.stderr.write(`archive-partition: ${error.message}\n`);
    return 1;
  }
}

/** `restore-partition`: restorePartition, with its refusals said plainly. */
export async function restorePartitionCommand(client: PoolClient, args: string[]): Promise<number> {
  const [file, ...rest] = args;
  if (!file || rest.length > 0) return usage();
  try {
    const restored = await restorePartition(client, resolve(file));
    process.stdout.write(`restored ${restored.partition}: ${restored.events} events from ${restored.file}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ArchiveRefusedError)) throw error;
    process.stderr.write(`restore-partition: ${error.message}\n`);
    return 1;
  }
}

/**
 * Why a month may not be archived yet, or null: it is the default partition, its range reaches into
 * a month that is not closed (docs/CONTRACT.md section 9), or it holds feed events not yet published.
 */
export async function archiveRefusal(client: PoolClient, partition: EventPartition): Promise<string | null> {
  if (partition.isDefault || partition.to === null) return 'the default partition is never archived';
  const closed = await client.query<{ closed_through: string | null }>(
    'SELECT max(period) AS closed_through FROM finance_periods',
  );
  const closedThrough = closed.rows[0].closed_through;
  const lastMonth = new Date(Date.UTC(partition.to.getUTCFullYear(), partition.to.getUTCMonth() - 1, 1));
  const lastPeriod = lastMonth.toISOString().slice(0, 7);
  if (closedThrough === null || closedThrough < lastPeriod) {
    return `${lastPeriod} is not closed (closed through ${closedThrough ?? 'nothing'}); close it first`;
  }
  const unpublished = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${quoteName(partition.name)} e, rated_feed_position p
      WHERE e.event_type = ANY($1::text[]) AND (e.transaction_id, e.global_position) > (p.transaction_id, p.global_position)`,
    [[...FEED_EVENT_TYPES]],
  );
  const count = Number(unpublished.rows[0].n);
  if (count > 0) return `${count} of its messages are not yet on the rated feed`;
  return null;
}

function usage(): number {
  process.stderr.write(`usage: npm run ledger -- <command>\n${PARTITION_USAGE}\n`);
  return 2;
}
