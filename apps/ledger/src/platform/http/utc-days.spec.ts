import { z } from 'zod';
import { checkDateRange, dateRangeShape, daysInRange, endOfDay, MAX_RANGE_DAYS, utcDateSchema } from './utc-days.js';

const range = z.object(dateRangeShape).superRefine(checkDateRange);

describe('UTC days', () => {
  it('accepts real dates, 29 February of a leap year included', () => {
    for (const date of ['2003-04-01', '2004-02-29', '2000-02-29', '9999-12-31']) {
      expect(utcDateSchema.safeParse(date).success).toBe(true);
    }
  });

  it('refuses dates that do not exist or are not written YYYY-MM-DD', () => {
    for (const date of [
      '2003-02-29',
      '1900-02-29',
      '2003-04-31',
      '2003-13-01',
      '0000-01-01',
      '2003-4-1',
      '2003-04-01T00:00:00Z',
      '',
    ]) {
      expect(utcDateSchema.safeParse(date).success).toBe(false);
    }
  });

  it('ends a day at the first instant of the next, across months, years and leap days', () => {
    expect(endOfDay('2003-03-31')).toBe('2003-04-01T00:00:00Z');
    expect(endOfDay('2004-02-28')).toBe('2004-02-29T00:00:00Z');
    expect(endOfDay('2003-12-31')).toBe('2004-01-01T00:00:00Z');
    expect(endOfDay('9999-12-31')).toBe('10000-01-01T00:00:00Z');
  });

  it('counts both ends of a range', () => {
    expect(daysInRange('2003-04-01', '2003-04-01')).toBe(1);
    expect(daysInRange('2003-03-31', '2003-04-02')).toBe(3);
  });

  it(`takes a range of up to ${MAX_RANGE_DAYS} days whose from is not after its to`, () => {
    expect(range.safeParse({ from: '2000-01-01', to: '2010-01-07' }).success).toBe(true);
    expect(range.safeParse({ from: '2000-01-01', to: '2010-01-08' }).success).toBe(false);
    expect(range.safeParse({ from: '2003-04-02', to: '2003-04-01' }).success).toBe(false);
  });
});
