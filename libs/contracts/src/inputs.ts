import { z } from 'zod';
import { MESSAGE_KINDS, NETWORKS } from './networks.js';

export const MSISDN_PATTERN = /^[1-9][0-9]{7,14}$/;

/** An RFC 3339 instant with an offset, normalised to UTC ISO-8601 (millisecond precision). */
export const instantSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/,
    'must be an RFC 3339 timestamp with an offset, e.g. 2003-04-02T10:15:00Z',
  )
  .refine((value) => isRealInstant(value), 'is not a real calendar instant')
  .transform((value) => new Date(value).toISOString());

export const msisdnSchema = z.string().regex(MSISDN_PATTERN, 'must be E.164 digits without "+" (8 to 15 digits)');

const partySchema = z.object({
  msisdn: msisdnSchema,
  network: z.enum(NETWORKS),
});

const mmsSchema = z.object({
  sizeBytes: z.number().int().nonnegative(),
  content: z.array(z.string().min(1).max(64)).max(64),
});

export const messageSentSchema = z
  .object({
    messageId: z.string().min(1).max(128),
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
  purchaseId: z.string().min(1).max(128),
  msisdn: msisdnSchema,
  boltOn: z.string().min(1).max(32),
  purchasedAt: instantSchema,
});

/** A validated, normalised `retail.bolt-on-purchased.v1` record (or API request). */
export type BoltOnPurchase = z.output<typeof boltOnPurchaseSchema>;

function isRealInstant(value: string): boolean {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return false;
  // Date() rolls 2003-02-30 over to March: compare the written calendar date with the parsed one.
  const [datePart] = value.split(/[Tt]/);
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const offsetMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  const local = new Date(parsed.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 10);
  return local === datePart;
}

/** Renders zod issues as one line that names each bad field and why. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
}
