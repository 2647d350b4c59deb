import pg from 'pg';
import { AdvisoryLockHolder } from '@ledger/app/platform/database/advisory-lock-holder.js';
import { ADVISORY_LOCKS } from '@ledger/app/platform/database/advisory-locks.js';
import { eventually } from '../support/ledger-harness.js';

// The lock both relays hold (one instance of the database relays): taken by one holder at a time,
// lost with its connection, and taken over then by another.
const databaseUrl = process.env.DATABASE_URL!;
const KEY = ADVISORY_LOCKS.deadLetterRelay;

function poolNamed(applicationName: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, application_name: applicationName });
  pool.on('error', () => undefined);
  return pool;
}

describe('an advisory lock held by a relay', () => {
  const first = poolNamed('lock-holder-first');
  const second = poolNamed('lock-holder-second');
  const observer = poolNamed('lock-observer');
  // One connection, so that the holder's checks and the test's look go through the same one.
  const single = poolNamed('lock-holder-single', 1);
  const holders: AdvisoryLockHolder[] = [];
  const holder = (pool: pg.Pool): AdvisoryLockHolder => {
    const made = new AdvisoryLockHolder(pool, KEY);
    holders.push(made);
    return made;
  };

  afterAll(async () => {
    for (const made of holders) made.release();
    await Promise.all([first.end(), second.end(), observer.end(), single.end()]);
  });

  it('is held by one holder at a time, and kept by it until released', async () => {
    const one = holder(first);
    const other = holder(second);
    expect(await one.hold()).toBe('taken');
    expect(await other.hold()).toBe('not-held');
    expect(await one.hold()).toBe('kept');
    expect([one.held, other.held]).toEqual([true, false]);

    one.release();
    expect(one.held).toBe(false);
    await eventually(async () => expect(await other.hold()).toBe('taken'));
    other.release();
  });

  it('is lost with its connection, and taken over by another holder', async () => {
    const one = holder(first);
    const other = holder(second);
    expect(await one.hold()).toBe('taken');
    await observer.query(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.database =
              (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [KEY],
    );
    await eventually(async () => expect(await other.hold()).toBe('taken'));
    // The first notices the loss on its next check, and does not hold it again while the other does.
    expect(await one.hold()).toBe('not-held');
    expect(one.held).toBe(false);
    other.release();
    await eventually(async () => expect(await one.hold()).toBe('taken'));
    one.release();
  });

  it('gives a connection back to the pool as it found it when the lock is held elsewhere', async () => {
    const one = holder(first);
    const other = holder(single);
    expect(await one.hold()).toBe('taken');
    const client = await single.connect();
    const listeners = client.listenerCount('error');
    client.release();
    for (let attempt = 0; attempt < 20; attempt += 1) expect(await other.hold()).toBe('not-held');
    const again = await single.connect();
    try {
      expect(again.listenerCount('error')).toBe(listeners);
    } finally {
      again.release();
      one.release();
    }
  });
});
