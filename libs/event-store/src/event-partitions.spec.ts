import { partitionBounds, quoteName } from './event-partitions.js';
import { appendConstraintOf } from './postgres-event-store.js';

describe('partitionBounds', () => {
  it('reads a month, the history from the beginning, and the default partition', () => {
    expect(partitionBounds("FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')")).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
      isDefault: false,
    });
    expect(partitionBounds("FOR VALUES FROM (MINVALUE) TO ('2026-12-01 00:00:00+00')")).toEqual({
      from: null,
      to: new Date('2026-12-01T00:00:00Z'),
      isDefault: false,
    });
    expect(partitionBounds('DEFAULT')).toEqual({ from: null, to: null, isDefault: true });
  });

  it('refuses a bound it does not know rather than guess a range', () => {
    expect(() => partitionBounds('FOR VALUES IN (1)')).toThrow('unexpected partition bound');
  });
});

describe('quoteName', () => {
  it('quotes a partition name and refuses anything else', () => {
    expect(quoteName('events_2026_12')).toBe('"events_2026_12"');
    expect(() => quoteName('events; DROP TABLE events')).toThrow('not a partition name');
  });
});

describe('appendConstraintOf', () => {
  it('names every lost race by the constraint the store had before partitioning', () => {
    expect(appendConstraintOf('events_stream_version_key')).toBe('events_stream_version_key');
    expect(appendConstraintOf('events_2027_01_stream_version_key')).toBe('events_stream_version_key');
    expect(appendConstraintOf('event_streams_pkey')).toBe('events_stream_version_key');
    expect(appendConstraintOf('event_keys_07_pkey')).toBe('events_idempotency_key_key');
    expect(appendConstraintOf('events_idempotency_key_key')).toBe('events_idempotency_key_key');
  });

  it('leaves every other constraint to the caller', () => {
    expect(appendConstraintOf('charges_pkey')).toBeNull();
    expect(appendConstraintOf(undefined)).toBeNull();
  });
});
