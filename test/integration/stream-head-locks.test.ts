import pg from 'pg';
import { PostgresEventStore, type NewEvent } from '@ledger/event-store';
import { migrate } from '@ledger/app/platform/database/database.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import { IngestOffsetsRepository } from '@ledger/app/ingest/infrastructure/ingest-offsets.repository.js';
import { isolatedEnvironment } from '../support/ledger-harness.js';

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

async function headOf(client: pg.ClientBase): Promise<number> {
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
      for (let waited = 0; ; waited += 50) {
        const waiting = await pool.query<{ wait_event_type: string | null }>(
          'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
          [secondPid],
        );
        if (waiting.rows[0]?.wait_event_type === 'Lock') break;
        if (waited > 10_000) throw new Error('the second slice never waited for the stream head');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
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
