import { z } from 'zod';

const DAY_MS = 86_400_000;

/** The longest range a finance report covers, in days (about ten years), so that one request stays bounded. */
export const MAX_RANGE_DAYS = 3660;

/** A UTC calendar day written YYYY-MM-DD that exists (2003-02-29 does not). */
export const utcDateSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required: a date, YYYY-MM-DD' : undefined) })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD, e.g. 2003-04-01', abort: true })
  .refine(isRealDate, 'is not a real calendar date');

/** The first instant of a day, as an RFC 3339 timestamp Postgres reads. */
export const startOfDay = (date: string): string => `${date}T00:00:00Z`;

/** The first instant after a day: the exclusive end of a range that includes the day. */
export const endOfDay = (date: string): string => startOfDay(formatDate(Date.parse(startOfDay(date)) + DAY_MS));

/** How many days a range holds, both ends included. */
export const daysInRange = (from: string, to: string): number =>
  (Date.parse(startOfDay(to)) - Date.parse(startOfDay(from))) / DAY_MS + 1;

function formatDate(epochMs: number): string {
  const day = new Date(epochMs);
  const month = String(day.getUTCMonth() + 1).padStart(2, '0');
  return `${String(day.getUTCFullYear()).padStart(4, '0')}-${month}-${String(day.getUTCDate()).padStart(2, '0')}`;
}

function isRealDate(value: string): boolean {
  const epochMs = Date.parse(startOfDay(value));
  // Year 0 does not exist in Postgres; Date() rolls 2003-02-30 over to March, so compare the day it lands on.
  return !Number.isNaN(epochMs) && !value.startsWith('0000') && formatDate(epochMs) === value;
}

/** A from/to pair of dates, both included: from <= to and at most MAX_RANGE_DAYS days. */
export const dateRangeShape = { from: utcDateSchema, to: utcDateSchema };

export function checkDateRange({ from, to }: { from: string; to: string }, ctx: z.RefinementCtx): void {
  const days = daysInRange(from, to);
  if (Number.isNaN(days)) return;
  if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: `must not be before from (${from})` });
  if (days > MAX_RANGE_DAYS) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the range may hold at most ${MAX_RANGE_DAYS} days; it holds ${days}`,
    });
  }
}
