import { hash } from 'node:crypto';
import type { BoltOnPurchase, MessageFacts, MessageSent } from '@ledger/contracts';

/** The facts of a normalised message, exactly the fields of the contract and nothing else. */
export function messageFacts(message: MessageSent): MessageFacts {
  return {
    messageId: message.messageId,
    kind: message.kind,
    sentAt: message.sentAt,
    sender: { msisdn: message.sender.msisdn, network: message.sender.network },
    recipient: { msisdn: message.recipient.msisdn, network: message.recipient.network },
    roamingCountry: message.roamingCountry ?? null,
    mms: message.mms ? { sizeBytes: message.mms.sizeBytes, content: [...message.mms.content] } : null,
  };
}

/** Identifies a message's content, so a redelivery can be told from a different message under the same messageId. */
export function fingerprintMessage(message: MessageSent): string {
  // messageFacts builds every object with its keys in one fixed order, so plain JSON is already canonical.
  return sha256(JSON.stringify(messageFacts(message)));
}

export function fingerprintPurchase(purchase: BoltOnPurchase): string {
  const { purchaseId, msisdn, boltOn, purchasedAt } = purchase;
  return sha256(canonicalJson({ purchaseId, msisdn, boltOn, purchasedAt }));
}

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

// The one-shot form: no Hash object per message on the hot path.
const sha256 = (text: string): string => hash('sha256', text, 'hex');
