import { ConcurrencyError } from '@ledger/event-store';
import { databaseRefusal } from './database-refusal.js';

const pgError = (code: string, message: string, constraint?: string): Error =>
  Object.assign(new Error(message), { code, constraint });

describe('which database failures a record is to blame for', () => {
  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22008', 'date/time field value out of range: "0000-06-01T00:00:00.000Z"'],
    ['23514', 'new row for relation "charges" violates check constraint'],
    ['54000', 'index row size exceeds maximum'],
  ])('blames the record for %s (%s)', (code, message) => {
    expect(databaseRefusal(pgError(code, message))).toBe(`the database could not keep it: ${code} ${message}`);
  });

  it.each([
    ['08006', 'connection failure'],
    ['40001', 'could not serialize access'],
    ['40P01', 'deadlock detected'],
    ['57P01', 'terminating connection due to administrator command'],
    ['53300', 'too many connections'],
    ['42P01', 'relation "charges" does not exist'],
  ])('retries %s (%s) instead', (code, message) => {
    expect(databaseRefusal(pgError(code, message))).toBeNull();
  });

  it('retries a lost race on the event store or on a record rejected by another writer first', () => {
    expect(databaseRefusal(new ConcurrencyError('events_stream_version_key'))).toBeNull();
    expect(databaseRefusal(pgError('23505', 'duplicate key', 'events_idempotency_key_key'))).toBeNull();
    expect(databaseRefusal(pgError('23505', 'duplicate key', 'rejections_once_per_record'))).toBeNull();
    expect(databaseRefusal(pgError('23505', 'duplicate key', 'some_other_key'))).not.toBeNull();
  });

  it('retries what is not a database error at all', () => {
    expect(databaseRefusal(new Error('socket hang up'))).toBeNull();
    expect(databaseRefusal(new TypeError('x is undefined'))).toBeNull();
    expect(databaseRefusal(null)).toBeNull();
  });
});
