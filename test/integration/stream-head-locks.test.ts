import pg from 'pg';
import { PostgresEventStore, type NewEvent } from '@ledger/event-store';
import { migrate } from '@ledger/app/platform/database/database.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import { IngestOffsetsRepository } from '@ledger/app/ingest/infrastructure/ingest-offsets.repository.js';
import { apiClient, isolatedEnvironment, KEYS, startLedger, type RunningLedger } from '../support/ledger-harness.js';

/**
 * Two slices of different partitions that share a subscriber (a purchase on the retail topic, a
 * message on the input topic): the second waits at its first statement for the first to commit, then
 * reads the head the first wrote and appends after it, where it used to decide on the old head, lose
 * the append race and redo its whole slice.
 */
const store = new PostgresEventStore();
const offsets = new IngestOffsetsRepository();
const STREAM = 'subscriber-447700900001';
const event = (streamVersion: number): NewEvent => ({
  streamId: STREAM,
  streamVersion,
  type: 'Probe',
  idempotencyKey: `probe:${streamVersion}`,
  data: {},
});

async function headOf(client: pg.ClientBase | pg.Pool): Promise<number> {
  const result = await client.query<{ version: number }>('SELECT version FROM event_streams WHERE stream_id = $1', [
    STREAM,
  ]);
  return result.rows[0].version;
}

describe('a slice locks the heads of its streams before it reads them', () => {
  const databaseUrl = isolatedEnvironment('headlocks').env.DATABASE_URL;
  let pool: pg.Pool;

  beforeAll(async () => {
    await migrate(databaseUrl, MIGRATIONS);
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const client = await pool.connect();
    await client.query('BEGIN');
    await store.append(client, [event(1)]);
    await client.query('COMMIT');
    client.release();
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('makes the second slice wait for the first, then append after what the first committed', async () => {
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      await offsets.lockHoldingPeriodsOpen(first, 'network.message-sent.v1', 0, [STREAM]);
      expect(await headOf(first)).toBe(1);

      const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      let secondLocked = false;
      const secondLock = offsets
        .lockHoldingPeriodsOpen(second, 'retail.bolt-on-purchased.v1', 0, [STREAM, 'subscriber-new'])
        .then(() => {
          secondLocked = true;
        });
      // The second is waiting on a row lock (not merely slow) before the first commits.
      await waitingOnLock(pool, 'pid = $1', [secondPid]);
      expect(secondLocked).toBe(false);

      await store.append(first, [event(2)]);
      await first.query('COMMIT');
      await secondLock;
      // Read after the wait, in a statement of its own: the head the first committed.
      expect(await headOf(second)).toBe(2);
      await store.append(second, [event(3)]);
      await second.query('COMMIT');
      expect(await headOf(second)).toBe(3);
    } finally {
      first.release();
      second.release();
    }
  });
});

/** Polls until a backend matching `where` waits on a lock; returns the statement it waits in. */
async function waitingOnLock(pool: pg.Pool, where: string, values: unknown[]): Promise<string> {
  for (let waited = 0; ; waited += 50) {
    const waiting = await pool.query<{ query: string }>(
      `SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND ${where}`,
      values,
    );
    if (waiting.rows.length > 0) return waiting.rows[0].query;
    if (waited > 10_000) throw new Error('no writer waited for the stream head');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * An API purchase for a subscriber whose slice is in flight: it takes the head before it reads the
 * subscriber, like the slice, so it waits there and then decides on what the slice committed. It used
 * to read the old head, decide, and block in its append on the slice's lock: a lost race redone, or a
 * deadlock when the slice went on to the purchase's stream.
 */
describe('an API purchase takes its stream head before it reads', () => {
  const environment = isolatedEnvironment('headlockapi');
  const msisdn = '447700900002';
  const stream = `subscriber-${msisdn}`;
  let ledger: RunningLedger;
  let pool: pg.Pool;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 3 });
  });

  afterAll(async () => {
    await pool?.end();
    await ledger?.close();
  });

  it('waits for the slice holding its subscriber, then appends after what the slice committed', async () => {
    const api = apiClient(ledger.url, KEYS.retail);
    const purchase = (purchaseId: string) => ({ purchaseId, boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z' });
    expect((await api.post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase('HEAD-1'))).status).toBe(201);
    const head = (
      await pool.query<{ version: number }>('SELECT version FROM event_streams WHERE stream_id = $1', [stream])
    ).rows[0].version;

    const slice = await pool.connect();
    try {
      await slice.query('BEGIN');
      await offsets.lockHoldingPeriodsOpen(slice, 'network.message-sent.v1', 0, [stream]);
      const slicePid = (await slice.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      let answered = false;
      const second = api.post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase('HEAD-2')).then((response) => {
        answered = true;
        return response;
      });
      const waitingIn = await waitingOnLock(
        pool,
        'pid <> $1 AND pid <> pg_backend_pid() AND datname = current_database()',
        [slicePid],
      );
      // Waiting at the lock, before it read anything: not in the append, after deciding on the old head.
      expect(waitingIn).toContain('event_streams_lock');
      expect(answered).toBe(false);

      await store.append(slice, [
        { streamId: stream, streamVersion: head + 1, type: 'Probe', idempotencyKey: 'probe:api', data: {} },
      ]);
      await slice.query('COMMIT');
      expect((await second).status).toBe(201);
    } finally {
      slice.release();
    }
    const versions = await pool.query<{ type: string; stream_version: number }>(
      'SELECT event_type AS type, stream_version FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [stream],
    );
    expect(versions.rows.slice(-2)).toEqual([
      { type: 'Probe', stream_version: head + 1 },
      { type: 'BoltOnPurchased', stream_version: head + 2 },
    ]);
  });
});
