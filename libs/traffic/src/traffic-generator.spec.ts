import { messageSentSchema, boltOnPurchaseSchema } from '@ledger/contracts';
import { messageTraffic, purchaseTraffic } from './traffic-generator.js';

describe('the traffic generator', () => {
  it('produces records that honour the input contract, keyed by sender', () => {
    for (const record of messageTraffic(2000, { subscribers: 100 })) {
      const message = messageSentSchema.parse(JSON.parse(record.value));
      expect(record.key).toBe(message.sender.msisdn);
    }
    for (const record of purchaseTraffic(200, { subscribers: 100 })) {
      expect(boltOnPurchaseSchema.safeParse(JSON.parse(record.value)).success).toBe(true);
    }
  });

  it('plays the same traffic for the same seed', () => {
    expect([...messageTraffic(50, { subscribers: 10, seed: 7 })]).toEqual([
      ...messageTraffic(50, { subscribers: 10, seed: 7 }),
    ]);
  });
});
