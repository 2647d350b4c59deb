import { z } from 'zod';
import { MESSAGE_KINDS, NETWORKS } from './networks.js';

export const MSISDN_PATTERN = /^[1-9][0-9]{7,14}$/;

/**
 * docs/CONTRACT.md section 2.3: a string the ledger can keep faithfully (Postgres text holds no U+0000, and
 * a lone surrogate has no UTF-8 form), so a record holding anything else is INVALID_RECORD.
 */
// With the u flag a surrogate range matches only a surrogate that is not half of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** What a published schema says of a keepable string (JSON Schema cannot say it as a pattern everywhere). */
export const KEEPABLE_TEXT = 'no U+0000 and no lone surrogate (INVALID_RECORD otherwise)';

export function keepableText(): z.ZodString {
  return z
    .string()
    .refine((value) => !value.includes('\u0000'), 'must not hold U+0000')
    .refine((value) => !LONE_SURROGATE.test(value), 'must not hold a lone surrogate');
}

/** The years an instant's UTC form may fall in (docs/CONTRACT.md section 2.3): what Postgres and RFC 3339 both write. */
export const INSTANT_YEARS = { first: 1, last: 9999 } as const;

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 instant with an offset, normalised to UTC ISO-8601 (millisecond precision). */
export const instantSchema = z.string().transform((value, ctx) => {
  const instant = toUtcInstant(value);
  if ('problem' in instant) {
    ctx.addIssue({ code: 'custom', message: instant.problem });
    return z.NEVER;
  }
  return instant.utc;
});

/** Parses once and checks the written calendar date is real (Date() rolls 2003-02-30 over to March). */
function toUtcInstant(value: string): { utc: string } | { problem: string } {
  const parts = RFC3339.exec(value);
  if (!parts) return { problem: 'must be an RFC 3339 timestamp with an offset, e.g. 2003-04-02T10:15:00Z' };
  const epoch = Date.parse(value);
  if (Number.isNaN(epoch)) return NOT_REAL;
  const offsetMinutes = parts[3] ? (parts[3] === '-' ? -1 : 1) * (Number(parts[4]) * 60 + Number(parts[5])) : 0;
  const utc = new Date(epoch);
  const year = utc.getUTCFullYear();
  if (year < INSTANT_YEARS.first || year > INSTANT_YEARS.last) {
    return { problem: 'must fall in the years 0001 to 9999 once in UTC' };
  }
  const local = offsetMinutes === 0 ? utc : new Date(epoch + offsetMinutes * 60_000);
  return local.toISOString().slice(0, 10) === parts[1] ? { utc: formatInstant(utc) } : NOT_REAL;
}

/**
 * How the ledger writes an instant: UTC, RFC 3339, with milliseconds only when there are any
 * (`2003-04-02T10:15:00Z`, `2003-04-02T10:15:00.250Z`), so a whole-second input reads back as sent.
 */
export function formatInstant(instant: Date | number): string {
  const iso = (instant instanceof Date ? instant : new Date(instant)).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

const NOT_REAL = { problem: 'is not a real calendar instant' };

export const msisdnSchema = z.string().regex(MSISDN_PATTERN, 'must be E.164 digits without "+" (8 to 15 digits)');

const partySchema = z.object({
  msisdn: msisdnSchema,
  network: z.enum(NETWORKS),
});

const mmsSchema = z.object({
  sizeBytes: z.number().int().nonnegative(),
  content: z.array(keepableText().min(1).max(64).describe(KEEPABLE_TEXT)).max(64),
});

export const messageSentSchema = z
  .object({
    messageId: keepableText().min(1).max(128).describe(KEEPABLE_TEXT),
    kind: z.enum(MESSAGE_KINDS),
    sentAt: instantSchema,
    sender: partySchema,
    recipient: partySchema,
    roamingCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
      .nullish()
      .transform((value) => value ?? null),
    mms: mmsSchema.nullish(),
  })
  .superRefine((message, ctx) => {
    if (message.kind === 'MMS' && !message.mms) {
      ctx.addIssue({ code: 'custom', path: ['mms'], message: 'is required when kind is MMS' });
    }
    if (message.kind === 'SMS' && message.mms) {
      ctx.addIssue({ code: 'custom', path: ['mms'], message: 'must be absent when kind is SMS' });
    }
  })
  .transform((message) => ({ ...message, mms: message.mms ?? null }));

/** A validated, normalised `network.message-sent.v1` record. */
export type MessageSent = z.output<typeof messageSentSchema>;

export const boltOnPurchaseSchema = z.object({
  purchaseId: keepableText().min(1).max(128).describe(KEEPABLE_TEXT),
  msisdn: msisdnSchema,
  boltOn: keepableText().min(1).max(32).describe(KEEPABLE_TEXT),
  purchasedAt: instantSchema,
});

/** A validated, normalised `retail.bolt-on-purchased.v1` record (or API request). */
export type BoltOnPurchase = z.output<typeof boltOnPurchaseSchema>;

/** Renders zod issues as one line that names each bad field and why. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
}
