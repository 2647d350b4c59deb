import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteName, type EventPartition } from './event-partitions.js';

/** The columns of `events`, in the order an archive file holds them (COPY text format, one event a line). */
export const ARCHIVE_COLUMNS = [
  'global_position',
  'stream_id',
  'stream_version',
  'event_type',
  'idempotency_key',
  'data',
  'recorded_at',
  'transaction_id',
] as const;
const COLUMNS = ARCHIVE_COLUMNS.join(', ');
const ARCHIVE_FORMAT = 'message-ledger events archive v1';

/** What `<file>.manifest.json` says of an archive file, and what `event_archives` records. */
export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly partition: string;
  /** ISO instants of the partition's range; from is null for the history partition (from the beginning). */
  readonly from: string | null;
  readonly to: string;
  readonly columns: readonly string[];
  readonly events: number;
  readonly firstPosition: string | null;
  readonly lastPosition: string | null;
  readonly sha256: string;
  readonly archivedAt: string;
}

export interface ArchivedPartition {
  readonly partition: string;
  readonly file: string;
  readonly events: number;
  readonly sha256: string;
}

export class ArchiveRefusedError extends Error {
  override readonly name = 'ArchiveRefusedError';
}

/** Where the manifest of an archive file lies: beside it. */
export const manifestPathOf = (file: string): string => `${file}.manifest.json`;

/**
 * Detaches a partition of `events`, writes it to `<directory>/<partition>.copy` with COPY (and a
 * manifest beside it), reads the file back and loads it into a scratch table to prove it holds every
 * row as stored, and only then records the archive in `event_archives` and drops the partition, in one
 * transaction. The caller has checked that the month may go (closed, published). The keys of its
 * events stay in `event_keys`: they remain taken.
 */
export async function archivePartition(
  client: ClientBase,
  partition: EventPartition,
  directory: string,
): Promise<ArchivedPartition> {
  if (partition.isDefault || partition.to === null)
    throw new ArchiveRefusedError('the default partition is never archived');
  const name = quoteName(partition.name);
  const file = join(directory, `${partition.name}.copy`);
  // Appends cannot reach it (its months are past), and the detach waits for readers in flight.
  await client.query(`ALTER TABLE events DETACH PARTITION ${name}`);
  try {
    const written = await copyOut(client, name, file);
    const stored = await fingerprint(client, name);
    const reread = await sha256Of(file);
    if (reread.sha256 !== written.sha256 || reread.lines !== stored.events) {
      throw new Error(`${file} does not read back as written (${reread.lines} lines for ${stored.events} events)`);
    }
    const loaded = await loadIntoScratch(client, file, 'archive_check');
    if (loaded.events !== stored.events || loaded.digest !== stored.digest) {
      throw new Error(`${file} does not load back into the rows of ${partition.name}`);
    }
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      partition: partition.name,
      from: partition.from?.toISOString() ?? null,
      to: partition.to.toISOString(),
      columns: [...ARCHIVE_COLUMNS],
      events: stored.events,
      firstPosition: stored.firstPosition,
      lastPosition: stored.lastPosition,
      sha256: written.sha256,
      archivedAt: new Date().toISOString(),
    };
    await writeFile(manifestPathOf(file), `${JSON.stringify(manifest, null, 2)}\n`);
    await client.query('BEGIN');
    try {
      await client.query(
        `INSERT INTO event_archives (partition_name, from_at, to_at, file, sha256, events, first_position, last_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (partition_name) DO UPDATE SET from_at = excluded.from_at, to_at = excluded.to_at,
           file = excluded.file, sha256 = excluded.sha256, events = excluded.events,
           first_position = excluded.first_position, last_position = excluded.last_position,
           archived_at = now(), restored_at = NULL`,
        [
          partition.name,
          partition.from,
          partition.to,
          file,
          manifest.sha256,
          manifest.events,
          manifest.firstPosition,
          manifest.lastPosition,
        ],
      );
      await client.query(`DROP TABLE ${name}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { partition: partition.name, file, events: manifest.events, sha256: manifest.sha256 };
  } catch (error) {
    // Nothing was dropped: put the month back where it was.
    await client.query(`ALTER TABLE events ATTACH PARTITION ${name} ${boundOf(partition)}`).catch(() => undefined);
    throw error;
  }
}

/**
 * Brings an archived month back: checks the file against its manifest and `event_archives`, loads it
 * into a table of its own with the keys every partition has, and attaches it with its old range.
 */
export async function restorePartition(client: ClientBase, file: string): Promise<ArchivedPartition> {
  const manifest = JSON.parse(await readFile(manifestPathOf(file), 'utf8')) as ArchiveManifest;
  if (manifest.format !== ARCHIVE_FORMAT) throw new ArchiveRefusedError(`${file}: not an archive of this ledger`);
  const recorded = await client.query<{ sha256: string; restored: boolean }>(
    'SELECT sha256, restored_at IS NOT NULL AS restored FROM event_archives WHERE partition_name = $1',
    [manifest.partition],
  );
  if (recorded.rows.length === 0) throw new ArchiveRefusedError(`${manifest.partition} was never archived here`);
  if (recorded.rows[0].restored) throw new ArchiveRefusedError(`${manifest.partition} is restored already`);
  if (recorded.rows[0].sha256 !== manifest.sha256) {
    throw new ArchiveRefusedError(`${file}: its manifest is not the archive recorded for ${manifest.partition}`);
  }
  const { sha256, lines } = await sha256Of(file);
  if (sha256 !== manifest.sha256 || lines !== manifest.events) {
    throw new ArchiveRefusedError(`${file} is not the file archived (sha256 ${sha256}, ${lines} events)`);
  }
  const name = quoteName(manifest.partition);
  await client.query('BEGIN');
  try {
    await client.query(`CREATE TABLE ${name} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await pipeline(createReadStream(file), client.query(copyFrom(`COPY ${name} (${COLUMNS}) FROM STDIN`)));
    const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${name}`);
    if (Number(count.rows[0].n) !== manifest.events) throw new Error(`${file} loaded ${count.rows[0].n} events`);
    await client.query(
      `ALTER TABLE ${name} ADD CONSTRAINT ${quoteName(`${manifest.partition}_pkey`)} PRIMARY KEY (global_position),
       ADD CONSTRAINT ${quoteName(`${manifest.partition}_stream_version_key`)} UNIQUE (stream_id, stream_version)`,
    );
    await client.query(
      `CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON ${name}
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`,
    );
    const from = manifest.from === null ? null : new Date(manifest.from);
    await client.query(
      `ALTER TABLE events ATTACH PARTITION ${name} ${boundOf({ from, to: new Date(manifest.to), isDefault: false })}`,
    );
    await client.query('UPDATE event_archives SET restored_at = now() WHERE partition_name = $1', [manifest.partition]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { partition: manifest.partition, file, events: manifest.events, sha256: manifest.sha256 };
}

/** The months archived and not restored, oldest first. */
export async function listArchives(client: ClientBase): Promise<ArchivedPartition[]> {
  const result = await client.query<{ partition: string; file: string; events: string; sha256: string }>(
    `SELECT partition_name AS partition, file, events::text, sha256 FROM event_archives
      WHERE restored_at IS NULL ORDER BY to_at`,
  );
  return result.rows.map((row) => ({ ...row, events: Number(row.events) }));
}

/**
 * Loads the archived months into `pg_temp.<table>` (checked against their recorded sha256 first), for a
 * replay that must see the whole log (verify, rebuild). Returns what it loaded.
 */
export async function loadArchivesInto(client: ClientBase, table: string): Promise<ArchivedPartition[]> {
  const archives = await listArchives(client);
  await client.query(`CREATE TEMP TABLE ${quoteName(table)} (LIKE events INCLUDING DEFAULTS)`);
  for (const archive of archives) {
    const { sha256 } = await sha256Of(archive.file).catch((error: Error) => {
      throw new ArchiveRefusedError(
        `the archive of ${archive.partition} cannot be read at ${archive.file}: ${error.message}`,
      );
    });
    if (sha256 !== archive.sha256)
      throw new ArchiveRefusedError(`${archive.file} is not the archive of ${archive.partition}`);
    await pipeline(
      createReadStream(archive.file),
      client.query(copyFrom(`COPY pg_temp.${quoteName(table)} (${COLUMNS}) FROM STDIN`)),
    );
  }
  await client.query(`CREATE INDEX ON pg_temp.${quoteName(table)} (global_position)`);
  await client.query(`ANALYZE pg_temp.${quoteName(table)}`);
  return archives;
}

function boundOf(partition: Pick<EventPartition, 'from' | 'to' | 'isDefault'>): string {
  if (partition.isDefault || partition.to === null) return 'DEFAULT';
  const from = partition.from === null ? 'MINVALUE' : `'${partition.from.toISOString()}'`;
  return `FOR VALUES FROM (${from}) TO ('${partition.to.toISOString()}')`;
}

async function copyOut(client: ClientBase, name: string, file: string): Promise<{ sha256: string }> {
  const hash = createHash('sha256');
  const partial = join(dirname(file), `.${basename(file)}.partial`);
  await pipeline(
    client.query(copyTo(`COPY (SELECT ${COLUMNS} FROM ${name} ORDER BY global_position) TO STDOUT`)),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
    createWriteStream(partial, { flags: 'wx' }),
  );
  await rename(partial, file);
  return { sha256: hash.digest('hex') };
}

async function sha256Of(file: string): Promise<{ sha256: string; lines: number }> {
  await stat(file);
  const hash = createHash('sha256');
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return { sha256: hash.digest('hex'), lines };
}

interface Fingerprint {
  events: number;
  digest: string;
  firstPosition: string | null;
  lastPosition: string | null;
}

/** A count and an order-free sum of each row's md5: equal for two tables that hold the same rows. */
async function fingerprint(client: ClientBase, table: string): Promise<Fingerprint> {
  const result = await client.query<{
    events: string;
    digest: string | null;
    first: string | null;
    last: string | null;
  }>(
    `SELECT count(*)::text AS events, min(global_position)::text AS first, max(global_position)::text AS last,
            sum(('x' || substr(md5(row(${COLUMNS})::text), 1, 15))::bit(60)::bigint::numeric)::text AS digest
       FROM ${table}`,
  );
  const row = result.rows[0];
  return { events: Number(row.events), digest: row.digest ?? '0', firstPosition: row.first, lastPosition: row.last };
}

async function loadIntoScratch(client: ClientBase, file: string, table: string): Promise<Fingerprint> {
  await client.query(`CREATE TEMP TABLE ${table} (LIKE events)`);
  try {
    await pipeline(createReadStream(file), client.query(copyFrom(`COPY pg_temp.${table} (${COLUMNS}) FROM STDIN`)));
    return await fingerprint(client, `pg_temp.${table}`);
  } finally {
    await client.query(`DROP TABLE pg_temp.${table}`);
  }
}
