import { ADVISORY_LOCKS } from './advisory-locks.js';

describe('the advisory lock keys', () => {
  it('gives every lock a key of its own', () => {
    const keys = Object.values(ADVISORY_LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps every key below 2^31, so pg_locks shows it whole in objid (classid 0)', () => {
    for (const key of Object.values(ADVISORY_LOCKS)) {
      expect(Number.isInteger(key) && key > 0 && key < 2 ** 31).toBe(true);
    }
  });
});
