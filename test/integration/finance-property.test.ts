import { TOPICS } from '@ledger/contracts';
import fc from 'fast-check';
import type kafkajs from 'kafkajs';
import { IngestBatchService } from '@ledger/app/ingest/application/ingest-batch.service.js';
import { apiClient, isolatedEnvironment, startLedger, type RunningLedger } from '../support/ledger-harness.js';

/**
 * SPEC section 6, "recognised plus deferred equals sales", over random histories recorded through the
 * service's own ingest path (records handed straight to it, on partitions the consumer never owns).
 */
describe('finance figures over random histories', () => {
  const environment = isolatedEnvironment('finprop');
  let ledger: RunningLedger;
  let ingest: IngestBatchService;
  let run = 0;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    ingest = ledger.app.get(IngestBatchService);
  });

  afterAll(async () => {
    await ledger?.close();
  });

  const day = (offset: number): string => new Date(Date.UTC(2003, 2, 25) + offset * 86_400_000).toISOString();
  const instant = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 86_399_999 }));
  const at = ([d, ms]: [number, number]): string => new Date(Date.parse(day(d)) + ms).toISOString();
  const subscriber = fc.integer({ min: 0, max: 4 });
  const purchase = fc.record({
    who: subscriber,
    boltOn: fc.constantFrom('GBP3', 'GBP5', 'GBP7', 'GBP9', 'GBP16', 'GBP4'),
    at: instant,
  });
  const message = fc.record({
    who: subscriber,
    kind: fc.constantFrom('SMS', 'SMS', 'SMS', 'MMS'),
    to: fc.constantFrom('O2-UK', 'VODAFONE-UK', 'ORANGE-UK', 'THREE-UK'),
    at: instant,
  });

  const records = (values: object[], keyOf: (value: object, index: number) => string): kafkajs.KafkaMessage[] =>
    values.map((value, index) => ({
      key: Buffer.from(keyOf(value, index)),
      value: Buffer.from(JSON.stringify(value)),
      offset: String(index),
      timestamp: '0',
      attributes: 0,
      headers: {},
    }));

  const revenue = async (from: string, to: string) => {
    const response = await apiClient(ledger.url).get(`/v1/finance/revenue?from=${from}&to=${to}`);
    expect(response.status).toBe(200);
    return response.body as {
      days: { date: string; boltOnSalesPence: number; paygPence: number; recognisedBoltOnPence: number }[];
      totals: { boltOnSalesPence: number; paygPence: number; recognisedBoltOnPence: number };
      deferredPence: number;
    };
  };

  it('keeps recognised plus deferred equal to sales, over the whole history and at every split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(purchase, { maxLength: 12 }),
        fc.array(message, { maxLength: 120 }),
        fc.integer({ min: 0, max: 90 }),
        async (purchases, messages, split) => {
          run += 1;
          const msisdn = (who: number): string => `4477${String(run).padStart(4, '0')}${String(who).padStart(4, '0')}`;
          const purchaseValues = purchases.map((p, index) => ({
            purchaseId: `FP-${run}-${index}`,
            msisdn: msisdn(p.who),
            boltOn: p.boltOn,
            purchasedAt: at(p.at),
          }));
          const messageValues = messages.map((m, index) => ({
            messageId: `FM-${run}-${index}`,
            kind: m.kind,
            sentAt: at(m.at),
            sender: { msisdn: msisdn(m.who), network: 'O2-UK' },
            recipient: { msisdn: '447800900456', network: m.to },
            roamingCountry: null,
            ...(m.kind === 'MMS' ? { mms: { sizeBytes: 1000, content: ['image'] } } : {}),
          }));
          const recordedPurchases = await ingest.record(
            environment.topic(TOPICS.boltOnPurchased),
            1000 + run,
            records(purchaseValues, (value) => (value as { msisdn: string }).msisdn),
          );
          const recordedMessages = await ingest.record(
            environment.topic(TOPICS.messageSent),
            1000 + run,
            records(messageValues, (value) => (value as { sender: { msisdn: string } }).sender.msisdn),
          );
          expect([recordedPurchases, recordedMessages]).toEqual([purchaseValues.length, messageValues.length]);

          const whole = await revenue('2003-03-01', '2003-06-30');
          expect(whole.totals.recognisedBoltOnPence + whole.deferredPence).toBe(whole.totals.boltOnSalesPence);
          // Deferred carries from one range into the next: D(to) = D(split) + sales after it - recognised after it.
          const middle = new Date(Date.UTC(2003, 2, 1) + split * 86_400_000).toISOString().slice(0, 10);
          const next = new Date(Date.parse(middle) + 86_400_000).toISOString().slice(0, 10);
          const before = await revenue('2003-03-01', middle);
          const after = await revenue(next, '2003-06-30');
          expect(before.deferredPence + after.totals.boltOnSalesPence - after.totals.recognisedBoltOnPence).toBe(
            whole.deferredPence,
          );
          expect(before.totals.paygPence + after.totals.paygPence).toBe(whole.totals.paygPence);
          for (const figures of whole.days) expect(figures.recognisedBoltOnPence).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 15 },
    );
  });
});
