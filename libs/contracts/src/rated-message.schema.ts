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
 * The value of a `ledger.message-rated.v1` record: the charge of docs/CONTRACT.md section 5 plus
 * the event's global position, field for field as the outbox query builds it in Postgres.
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
  globalPosition: z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .describe('position of the event in the event store, an int64 written as a string; grows with every event'),
});

/** A `ledger.message-rated.v1` record's value. */
export type RatedMessage = z.output<typeof ratedMessageSchema>;
