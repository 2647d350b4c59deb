import { boltOnPurchase, messageSent } from '../testing/rating.fixtures.js';
import { canonicalJson, fingerprintMessage, fingerprintPurchase, messageFacts } from './fingerprint.js';

describe('fingerprints', () => {
  it('is the sha256 hex of the canonical message', () => {
    expect(fingerprintMessage(messageSent())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same content whatever the key order or the offset the instant was written with', () => {
    const message = messageSent({ sentAt: '2003-04-02T10:15:00Z' });
    const reordered = Object.fromEntries(Object.entries(message).reverse()) as typeof message;
    expect(fingerprintMessage(reordered)).toBe(fingerprintMessage(message));
    expect(fingerprintMessage(messageSent({ sentAt: '2003-04-02T12:15:00+02:00' }))).toBe(fingerprintMessage(message));
  });

  it('ignores fields outside the contract', () => {
    const message = messageSent();
    expect(fingerprintMessage({ ...message, extra: 1 } as typeof message)).toBe(fingerprintMessage(message));
  });

  it.each([
    ['messageId', { messageId: 'other' }],
    ['kind', { kind: 'MMS' as const }],
    ['sentAt', { sentAt: '2003-04-02T10:15:00.001Z' }],
    ['sender msisdn', { sender: '447700900999' }],
    ['sender network', { from: 'VODAFONE-UK' as const }],
    ['recipient network', { to: 'ORANGE-UK' as const }],
    ['roamingCountry', { roamingCountry: 'FR' }],
  ])('changes when the %s changes', (_field, change) => {
    expect(fingerprintMessage(messageSent(change))).not.toBe(fingerprintMessage(messageSent()));
  });

  it('changes with the order of MMS content', () => {
    const message = messageSent({ kind: 'MMS' });
    const reversed = { ...message, mms: { sizeBytes: 30500, content: ['text', 'image'] } };
    expect(fingerprintMessage(reversed)).not.toBe(fingerprintMessage(message));
  });

  it.each([
    ['purchaseId', { purchaseId: 'R-2' }],
    ['msisdn', { msisdn: '447700900999' }],
    ['boltOn', { boltOn: 'GBP5' }],
    ['purchasedAt', { purchasedAt: '2003-04-01T09:00:01Z' }],
  ])('changes a purchase fingerprint when the %s changes', (_field, change) => {
    expect(fingerprintPurchase(boltOnPurchase(change))).not.toBe(fingerprintPurchase(boltOnPurchase()));
    expect(fingerprintPurchase(boltOnPurchase({ purchasedAt: '2003-04-01T10:00:00+01:00' }))).toBe(
      fingerprintPurchase(boltOnPurchase()),
    );
  });

  it('writes canonical JSON with sorted keys at every level and arrays in order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x', skipped: undefined })).toBe(
      '{"a":"x","b":[2,{"c":null,"d":1}]}',
    );
  });

  it('keeps only the contract fields in the message facts, with null for no MMS', () => {
    expect(Object.keys(messageFacts(messageSent())).sort()).toEqual([
      'kind',
      'messageId',
      'mms',
      'recipient',
      'roamingCountry',
      'sender',
      'sentAt',
    ]);
    expect(messageFacts(messageSent()).mms).toBeNull();
  });
});
