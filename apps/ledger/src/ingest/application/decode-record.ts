import { boltOnPurchaseSchema, describeIssues, messageSentSchema, TOPICS } from '@ledger/contracts';
import type { RatingCommand } from '@ledger/rating';
import type { z } from 'zod';

/** Larger than any honest record of docs/CONTRACT.md section 2. */
export const MAX_RECORD_BYTES = 64 * 1024;

export type RecordKind = typeof TOPICS.messageSent | typeof TOPICS.boltOnPurchased;

export type DecodedRecord =
  | { readonly readable: true; readonly command: RatingCommand }
  | { readonly readable: false; readonly reason: UnreadableReason; readonly detail: string };

export type UnreadableReason =
  'EMPTY_RECORD' | 'TOO_LARGE' | 'NOT_UTF8' | 'NOT_JSON' | 'INVALID_RECORD' | 'UNKNOWN_VALUE';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turns the raw value of a record into a rating command, or says exactly why it cannot. */
export function decodeRecord(kind: RecordKind, value: Buffer | null): DecodedRecord {
  if (value === null || value.length === 0) return unreadable('EMPTY_RECORD', 'the record has no value');
  if (value.length > MAX_RECORD_BYTES) {
    return unreadable('TOO_LARGE', `the value is ${value.length} bytes; the limit is ${MAX_RECORD_BYTES}`);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return unreadable('NOT_UTF8', 'the value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return unreadable('NOT_JSON', `the value is not JSON: ${(error as Error).message}`);
  }
  if (kind === TOPICS.messageSent) {
    const parsed = messageSentSchema.safeParse(json);
    return parsed.success
      ? { readable: true, command: { type: 'RecordMessageSent', message: parsed.data } }
      : invalid(parsed.error);
  }
  const parsed = boltOnPurchaseSchema.safeParse(json);
  return parsed.success
    ? { readable: true, command: { type: 'PurchaseBoltOn', purchase: parsed.data } }
    : invalid(parsed.error);
}

function invalid(error: z.ZodError): DecodedRecord {
  const unknownValue = error.issues.every((issue) => issue.code === 'invalid_value');
  return unreadable(unknownValue ? 'UNKNOWN_VALUE' : 'INVALID_RECORD', describeIssues(error));
}

const unreadable = (reason: UnreadableReason, detail: string): DecodedRecord => ({ readable: false, reason, detail });
