import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { boltOnPurchaseSchema, messageSentSchema } from './inputs.js';
import { ratedMessageSchema } from './rated-message.schema.js';
import { renderPublishedContracts } from './render-published-contracts.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('published contracts (docs/schemas, docs/asyncapi.json)', () => {
  it('are committed exactly as the zod schemas generate them (npm run contracts:generate)', async () => {
    const rendered = await renderPublishedContracts(root);
    const stale = [...rendered]
      .filter(([path, text]) => readFileSync(`${root}${path}`, 'utf8') !== text)
      .map(([path]) => `${path} differs from what the code generates: run npm run contracts:generate`);
    expect(stale).toEqual([]);
  });

  it('leave no schema in docs/schemas that the code no longer generates', async () => {
    const rendered = await renderPublishedContracts(root);
    const committed = readdirSync(`${root}docs/schemas`).map((file) => `docs/schemas/${file}`);
    expect(committed.sort()).toEqual([...rendered.keys()].filter((path) => path.startsWith('docs/schemas/')).sort());
  });

  it('describe the examples of docs/CONTRACT.md section 2 as the ledger reads them', async () => {
    const rendered = await renderPublishedContracts(root);
    const messageSent = JSON.parse(rendered.get('docs/schemas/network.message-sent.v1.json')!);
    expect(messageSent.required).toEqual(['messageId', 'kind', 'sentAt', 'sender', 'recipient']);
    expect(messageSent.properties.sentAt.format).toBe('date-time');
    expect(messageSent.properties.messageId).toMatchObject({ minLength: 1, maxLength: 128 });
    const purchase = JSON.parse(rendered.get('docs/schemas/retail.bolt-on-purchased.v1.json')!);
    expect(purchase.required).toEqual(['purchaseId', 'msisdn', 'boltOn', 'purchasedAt']);
    expect(
      messageSentSchema.safeParse({
        messageId: 'MMSC1-20030402-000017',
        kind: 'MMS',
        sentAt: '2003-04-02T10:15:00Z',
        sender: { msisdn: '447700900123', network: 'O2-UK' },
        recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
        roamingCountry: null,
        mms: { sizeBytes: 30500, content: ['image', 'audio', 'text'] },
      }).success,
    ).toBe(true);
    expect(
      boltOnPurchaseSchema.safeParse({
        purchaseId: 'R-0001',
        msisdn: '447700900123',
        boltOn: 'GBP16',
        purchasedAt: '2003-04-01T09:00:00Z',
      }).success,
    ).toBe(true);
  });
});

describe('ratedMessageSchema (the value of ledger.message-rated.v1)', () => {
  const charged = {
    messageId: 'M-1',
    kind: 'SMS',
    sentAt: '2003-04-02T10:15:00Z',
    sender: { msisdn: '447700900123', network: 'O2-UK' },
    recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
    roamingCountry: null,
    status: 'CHARGED',
    reason: null,
    units: 1,
    pence: 0,
    allocations: [{ purchaseId: 'R-0001', units: 1 }],
    tariffVersion: 1,
    correction: null,
    globalPosition: '42',
  };

  it('accepts a charge with its globalPosition as the relay publishes it', () => {
    expect(ratedMessageSchema.parse(charged)).toEqual(charged);
  });

  it('accepts a correction: the corrected charge and what it replaced', () => {
    const correction = {
      ...charged,
      pence: 10,
      units: 0,
      allocations: [],
      tariffVersion: 2,
      correction: {
        runId: '5b0c8e0e-9a51-4f3e-9d65-2a3c9e0f1b7d',
        before: {
          status: 'CHARGED',
          reason: null,
          units: 1,
          pence: 0,
          allocations: [{ purchaseId: 'R-0001', units: 1, recognisedPence: 6 }],
        },
      },
    };
    expect(ratedMessageSchema.parse(correction)).toEqual(correction);
  });

  it('refuses a value without globalPosition, a position as a number, or pence as a fraction', () => {
    const { globalPosition: _omitted, ...withoutPosition } = charged;
    expect(ratedMessageSchema.safeParse(withoutPosition).success).toBe(false);
    expect(ratedMessageSchema.safeParse({ ...charged, globalPosition: 42 }).success).toBe(false);
    expect(ratedMessageSchema.safeParse({ ...charged, pence: 10.5 }).success).toBe(false);
  });
});
