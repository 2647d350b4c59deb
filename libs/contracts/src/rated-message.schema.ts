import { z } from 'zod';
import { MESSAGE_KINDS, NETWORKS } from './networks.js';

const partySchema = z.object({
  msisdn: z.string().regex(/^[1-9][0-9]{7,14}$/),
  network: z.enum(NETWORKS),
});

const MESSAGE_REJECTION_REASONS = [
  'DUPLICATE_CONFLICT',
  'NOT_O2_TRAFFIC',
  'NO_MMS_INTERCONNECT',
  'ROAMING_NOT_SUPPORTED',
] as const;

/**
 * The value of a `ledger.message-rated.v1` record: the charge of docs/CONTRACT.md section 5 (without
 * its list of corrections), what a correction replaced, and the event's global position, field for
 * field as the feed's query builds it in Postgres.
 */
export const ratedMessageSchema = z.object({
  messageId: z.string().min(1).max(128),
  kind: z.enum(MESSAGE_KINDS),
  sentAt: z.iso.datetime({ offset: false }).describe('UTC, milliseconds only when there are any'),
  sender: partySchema,
  recipient: partySchema,
  roamingCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .nullable(),
  status: z.enum(['CHARGED', 'RECORDED', 'REJECTED']),
  reason: z.enum(MESSAGE_REJECTION_REASONS).nullable().describe('null unless status is REJECTED'),
  units: z.number().int().nonnegative().describe('bolt-on units the message took; 0 unless CHARGED'),
  pence: z.number().int().nonnegative().describe('pay-as-you-go price in pence; 0 unless CHARGED'),
  allocations: z.array(z.object({ purchaseId: z.string().min(1).max(128), units: z.number().int().positive() })),
  tariffVersion: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe(
      'the tariff version that decided this outcome (docs/CONTRACT.md section 8.1); null before versions were kept',
    ),
  correction: z
    .object({
      runId: z.string().min(1).describe('the rerating run (docs/CONTRACT.md section 8.2)'),
      before: z.object({
        status: z.enum(['CHARGED', 'RECORDED', 'REJECTED']),
        reason: z.enum(MESSAGE_REJECTION_REASONS).nullable(),
        units: z.number().int().nonnegative(),
        pence: z.number().int().nonnegative(),
        allocations: z.array(
          z.object({
            purchaseId: z.string().min(1).max(128),
            units: z.number().int().positive(),
            recognisedPence: z.number().int().nonnegative(),
          }),
        ),
      }),
    })
    .nullable()
    .describe('null for a first rating; for a correction, the run and the outcome the corrected charge replaces'),
  globalPosition: z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .describe('position of the event in the event store, an int64 written as a string; grows with every event'),
});

/** A `ledger.message-rated.v1` record's value. */
export type RatedMessage = z.output<typeof ratedMessageSchema>;
