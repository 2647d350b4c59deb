import pg from 'pg';
import {
  ConcurrencyError,
  ensureEventPartitions,
  listEventPartitions,
  PartitionEventStore1700000002000,
  PostgresEventStore,
  type NewEvent,
} from '@ledger/event-store';
import { migrate } from '@ledger/app/platform/database/database.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import { isolatedEnvironment } from '../support/ledger-harness.js';

/**
 * The event store partitioned by month (PartitionEventStore1700000002000) against the real Postgres: an
 * existing store converted in place, idempotency keys and stream versions exact across partitions, and
 * the same key or version raced from two connections into two months.
 */
const store = new PostgresEventStore();
const event = (streamId: string, streamVersion: number, idempotencyKey: string): NewEvent => ({
  streamId,
  streamVersion,
  type: 'Probe',
  idempotencyKey,
  data: { probe: idempotencyKey },
});

/** The first instant of the month after this one, in UTC: the next partition's first row. */
function nextMonth(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** An event recorded in another month than now: only a raw INSERT can choose recorded_at; the same trigger sees it. */
async function insertRecordedAt(client: pg.ClientBase, at: Date, appended: NewEvent): Promise<void> {
  await client.query(
    `INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [appended.streamId, appended.streamVersion, appended.type, appended.idempotencyKey, appended.data, at],
  );
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const conflictOf = (error: unknown): string | undefined =>
  error instanceof ConcurrencyError ? error.constraint : undefined;

describe('a store that existed before partitioning is converted in place', () => {
  const databaseUrl = isolatedEnvironment('partconvert').env.DATABASE_URL;
  let pool: pg.Pool;

  beforeAll(async () => {
    const partitioning = MIGRATIONS.indexOf(PartitionEventStore1700000002000);
    await migrate(databaseUrl, MIGRATIONS.slice(0, partitioning));
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    await pool.query(
      `INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data, recorded_at)
       SELECT 'old-' || (n % 3), n / 3 + 1, 'Probe', 'old-key-' || n, '{}', timestamptz '2003-03-01' + n * interval '1 day'
         FROM generate_series(0, 29) AS n`,
    );
    const later = MIGRATIONS.slice(partitioning).map((migration) => migration.name);
    expect(await migrate(databaseUrl, MIGRATIONS)).toEqual(later);
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('keeps every old event in the history partition, with its key and its stream head', async () => {
    const partitions = await listEventPartitions(pool);
    // The newest old event is of 2003-03-30: the history ends with March 2003.
    expect(partitions[0]).toMatchObject({
      name: 'events_before_2003_04',
      from: null,
      to: new Date('2003-04-01T00:00:00Z'),
      events: 30,
      isDefault: false,
    });
    expect(partitions.at(-1)).toMatchObject({ name: 'events_default', isDefault: true, events: 0 });
    const keys = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_keys');
    expect(keys.rows[0].n).toBe(30);
    const heads = await pool.query('SELECT stream_id, version FROM event_streams ORDER BY stream_id');
    expect(heads.rows).toEqual([
      { stream_id: 'old-0', version: 10 },
      { stream_id: 'old-1', version: 10 },
      { stream_id: 'old-2', version: 10 },
    ]);
  });

  it('refuses an old key again and goes on from each old stream head', async () => {
    const refused = await inTransaction(pool, (client) => store.append(client, [event('new-0', 1, 'old-key-4')])).catch(
      conflictOf,
    );
    expect(refused).toBe('events_idempotency_key_key');
    const behind = await inTransaction(pool, (client) => store.append(client, [event('old-1', 10, 'k-behind')])).catch(
      conflictOf,
    );
    expect(behind).toBe('events_stream_version_key');
    // The refused appends used up positions of the shared sequence: the next one is above every old event.
    const [position] = await inTransaction(pool, (client) => store.append(client, [event('old-1', 11, 'k-next')]));
    expect(position).toBeGreaterThan(30n);
  });
});

describe('idempotency and stream versions stay exact across monthly partitions', () => {
  const databaseUrl = isolatedEnvironment('partitions').env.DATABASE_URL;
  let pool: pg.Pool;

  beforeAll(async () => {
    await migrate(databaseUrl, MIGRATIONS);
    pool = new pg.Pool({ connectionString: databaseUrl, max: 6 });
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('has this month and the next ones created ahead, and creating them again creates nothing', async () => {
    const names = (await listEventPartitions(pool)).map((partition) => partition.name);
    const month = (offset: number) => {
      const now = new Date();
      const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
      return `events_${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    // An empty store's history ends before this month.
    expect(names).toEqual([`events_before_${month(0).slice(7)}`, month(0), month(1), month(2), 'events_default']);
    const client = await pool.connect();
    try {
      expect(await ensureEventPartitions(client)).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('refuses, across a month boundary, a key and a stream version recorded in the other month', async () => {
    await inTransaction(pool, (client) => store.append(client, [event('subscriber-a', 1, 'key-a1')]));
    await inTransaction(pool, (client) => insertRecordedAt(client, nextMonth(), event('subscriber-a', 2, 'key-a2')));
    const where = await pool.query<{ partition: string; idempotency_key: string }>(
      `SELECT tableoid::regclass::text AS partition, idempotency_key FROM events WHERE stream_id = 'subscriber-a'
        ORDER BY stream_version`,
    );
    expect(where.rows[0].partition).not.toBe(where.rows[1].partition);

    const sameKey = await inTransaction(pool, (client) =>
      store.append(client, [event('subscriber-b', 1, 'key-a2')]),
    ).catch(conflictOf);
    expect(sameKey).toBe('events_idempotency_key_key');
    const sameVersion = await inTransaction(pool, (client) =>
      store.append(client, [event('subscriber-a', 2, 'key-a2-again')]),
    ).catch(conflictOf);
    expect(sameVersion).toBe('events_stream_version_key');
    const found = await inTransaction(pool, (client) => store.findByIdempotencyKeys(client, ['key-a2', 'key-none']));
    expect([...found.keys()]).toEqual(['key-a2']);
    expect(found.get('key-a2')).toMatchObject({
      streamId: 'subscriber-a',
      streamVersion: 2,
      data: { probe: 'key-a2' },
    });
    await inTransaction(pool, (client) => store.append(client, [event('subscriber-a', 3, 'key-a3')]));
    const versions = await pool.query<{ version: number }>(
      `SELECT version FROM event_streams WHERE stream_id = 'subscriber-a'`,
    );
    expect(versions.rows).toEqual([{ version: 3 }]);
  });

  it('refuses a batch whose versions do not follow the head, and appends nothing of it', async () => {
    const gap = await inTransaction(pool, (client) =>
      store.append(client, [event('subscriber-c', 1, 'key-c1'), event('subscriber-c', 3, 'key-c3')]),
    ).catch(conflictOf);
    expect(gap).toBe('events_stream_version_key');
    const rows = await pool.query(`SELECT 1 FROM events WHERE stream_id = 'subscriber-c'`);
    expect(rows.rowCount).toBe(0);
  });

  it('lets exactly one of two connections record a key raced into two different months', async () => {
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      await store.append(first, [event('racer-1', 1, 'raced-key')]);
      // The second waits on the first's key, whatever partition its event is routed to.
      const racing = insertRecordedAt(second, nextMonth(), event('racer-2', 1, 'raced-key')).then(
        () => 'appended',
        (error: { code?: string; constraint?: string }) => `${error.code} ${error.constraint}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('COMMIT');
      expect(await racing).toMatch(/^23505 event_keys_\d{2}_pkey$/);
      await second.query('ROLLBACK');
    } finally {
      first.release();
      second.release();
    }
    const recorded = await pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM events WHERE idempotency_key = 'raced-key'`,
    );
    expect(recorded.rows).toEqual([{ stream_id: 'racer-1' }]);
  });

  it('lets exactly one of two connections write a stream version raced into two different months', async () => {
    await inTransaction(pool, (client) => store.append(client, [event('contested', 1, 'contested-1')]));
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      await store.append(first, [event('contested', 2, 'contested-2-first')]);
      const racing = insertRecordedAt(second, nextMonth(), event('contested', 2, 'contested-2-second')).then(
        () => 'appended',
        (error: { code?: string; constraint?: string }) => `${error.code} ${error.constraint}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('COMMIT');
      expect(await racing).toBe('23505 events_stream_version_key');
      await second.query('ROLLBACK');
    } finally {
      first.release();
      second.release();
    }
    const versions = await pool.query<{ idempotency_key: string }>(
      `SELECT idempotency_key FROM events WHERE stream_id = 'contested' ORDER BY stream_version`,
    );
    expect(versions.rows.map((row) => row.idempotency_key)).toEqual(['contested-1', 'contested-2-first']);
  });

  it('keeps every character it is given, and returns the positions in the order of the events', async () => {
    // What JSON escapes and what COPY's text format gives meaning to (tab, newline, carriage return,
    // backslash, \N, \.), in each text column and inside the data: the append keeps them as given.
    const awkward = [
      'tab\there',
      'line\nbreak',
      'cr\rhere',
      'back\\slash',
      '\\N',
      '\\.',
      '"quoted"',
      'naïve 😀',
      '\\\\t',
    ];
    const events: NewEvent[] = awkward.map((text, index) => ({
      streamId: `awkward-${text}`,
      streamVersion: 1,
      type: `Probe ${text}`,
      idempotencyKey: `awkward:${text}`,
      data: { text, nested: { list: [text, index], empty: '' } },
    }));
    const positions = await inTransaction(pool, (client) => store.append(client, events));
    expect(positions).toHaveLength(events.length);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    const stored = await inTransaction(pool, (client) => store.readPositions(client, positions));
    expect(stored.map(({ globalPosition, streamId, streamVersion, type, idempotencyKey, data }) => ({
      globalPosition, streamId, streamVersion, type, idempotencyKey, data,
    }))).toEqual(events.map((appended, index) => ({ ...appended, globalPosition: positions[index] }))); // prettier-ignore
    const heads = await pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM event_streams WHERE stream_id LIKE 'awkward-%'`,
    );
    expect(heads.rows.map((row) => row.stream_id).sort()).toEqual(events.map((appended) => appended.streamId).sort());
  });

  it('leaves the default partition empty: every append found its month', async () => {
    const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events_default');
    expect(rows.rows[0].n).toBe(0);
  });
});
