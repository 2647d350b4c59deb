import { dayOf, isPeriod, nextPeriod, postingOf } from './postings.js';

describe('where a figure is posted (docs/CONTRACT.md section 9)', () => {
  it.each([
    ['nothing closed', '2003-04-30', null, { postingDay: '2003-04-30', period: '2003-04' }],
    ['an earlier month closed', '2003-05-02', '2003-04', { postingDay: '2003-05-02', period: '2003-05' }],
    ['its own month closed', '2003-04-30', '2003-04', { postingDay: '2003-05-01', period: '2003-04' }],
    ['a later month closed too', '2003-03-15', '2003-06', { postingDay: '2003-07-01', period: '2003-03' }],
    ['December closed', '2003-12-31', '2003-12', { postingDay: '2004-01-01', period: '2003-12' }],
  ])('a figure of a day with %s', (_given, day, closedThrough, expected) => {
    // given the closes recorded before the event; when a figure of `day` is posted; then it lands here
    expect(postingOf(day, closedThrough)).toEqual(expected);
  });

  it.each([
    ['2003-01', '2003-02'],
    ['2003-09', '2003-10'],
    ['2003-12', '2004-01'],
    ['0999-12', '1000-01'],
  ])('the month after %s is %s', (period, next) => {
    expect(nextPeriod(period)).toBe(next);
  });

  it.each([
    ['2003-04', true],
    ['2003-13', false],
    ['2003-00', false],
    ['2003-4', false],
    ['0000-01', false],
    ['April', false],
  ])('%s is a period: %s', (value, valid) => {
    expect(isPeriod(value)).toBe(valid);
  });
});

describe('the UTC day of an instant', () => {
  it.each([
    ['2026-03-31T23:30:00Z', '2026-03-31'],
    ['2026-03-31T23:30:00.123Z', '2026-03-31'],
    ['2026-03-31T23:30:00-02:00', '2026-04-01'],
    ['2026-04-01T00:30:00+01:00', '2026-03-31'],
  ])('%s falls on %s', (instant, day) => {
    expect(dayOf(instant)).toBe(day);
  });
});
