import { TOPICS } from '@ledger/contracts';
import fc from 'fast-check';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';
import { ReferenceLedger, type ExpectedRevenue, type MessageInput } from '../scenario/reference-ledger.js';
import { highWatermarks } from '../scenario/scenario-support.js';

interface BoltOnLine {
  purchaseId: string;
  units: number;
  unitsRemaining: number;
  pricePence: number;
}

/**
 * docs/CONTRACT.md section 6, "recognised plus deferred equals sales", over random histories
 * produced through the real broker. The figures the finance API reports are checked against ones
 * worked out without the service: the reference ledger (test/scenario) fed the same records, and
 * the per-bolt-on rule floor(P * c / U) recomputed from the units each balance shows as used.
 */
describe('finance figures over random histories', () => {
  const environment = isolatedEnvironment('finprop');
  const brokers = environment.env.KAFKA_BROKERS;
  const reference = new ReferenceLedger();
  /** Every bolt-on the balance API has shown, by purchaseId, as last seen. */
  const boltOns = new Map<string, BoltOnLine>();
  let ledger: RunningLedger;
  let network: Upstream;
  let api: ReturnType<typeof apiClient>;
  let run = 0;

  /** Waits until the ledger has durably recorded everything on the topic up to the broker's end offsets. */
  const drained = async (name: string): Promise<void> => {
    const topic = environment.topic(name);
    const ends = await highWatermarks(brokers, topic);
    await eventually(
      async () => {
        const ingest = await api.get<{ partitions: { topic: string; partition: number; nextOffset: string }[] }>(
          '/v1/ingest',
        );
        expect(ingest.status).toBe(200);
        const behind = [...ends].filter(([partition, end]) => {
          const position = ingest.body.partitions.find((p) => p.topic === topic && p.partition === partition);
          return !position || BigInt(position.nextOffset) < end;
        });
        expect(behind).toEqual([]);
      },
      60_000,
      100,
    );
  };

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    api = apiClient(ledger.url);
    await eventually(async () => {
      const ingest = await api.get<{ partitions: { topic: string }[] }>('/v1/ingest');
      const topics = new Set(ingest.body.partitions.map((p) => p.topic));
      expect(topics.has(environment.topic(TOPICS.messageSent))).toBe(true);
      expect(topics.has(environment.topic(TOPICS.boltOnPurchased))).toBe(true);
    }, 30_000);
  });

  afterAll(async () => {
    await network?.close();
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

  const revenue = async (from: string, to: string): Promise<ExpectedRevenue> => {
    const response = await api.get<ExpectedRevenue>(`/v1/finance/revenue?from=${from}&to=${to}`);
    expect(response.status).toBe(200);
    return response.body;
  };

  it('reports recognised and deferred revenue as worked out independently, and they add up to sales', async () => {
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
          const messageValues: MessageInput[] = messages.map((m, index) => ({
            messageId: `FM-${run}-${index}`,
            kind: m.kind,
            sentAt: at(m.at),
            sender: { msisdn: msisdn(m.who), network: 'O2-UK' },
            recipient: { msisdn: '447800900456', network: m.to },
            roamingCountry: null,
            ...(m.kind === 'MMS' ? { mms: { sizeBytes: 1000, content: ['image'] } } : {}),
          }));

          // Purchases first, drained, then messages: the order the reference records them in.
          for (const value of purchaseValues) reference.recordPurchase(value);
          await network.send(
            environment.topic(TOPICS.boltOnPurchased),
            purchaseValues.map((value) => ({ key: value.msisdn, value: JSON.stringify(value) })),
          );
          await drained(TOPICS.boltOnPurchased);
          for (const value of messageValues) reference.recordMessage(value);
          await network.send(
            environment.topic(TOPICS.messageSent),
            messageValues.map((value) => ({ key: value.sender.msisdn, value: JSON.stringify(value) })),
          );
          await drained(TOPICS.messageSent);

          // Against the reference ledger, day by day, totals and deferred.
          const whole = await revenue('2003-03-01', '2003-06-30');
          expect(whole).toEqual(reference.revenue('2003-03-01', '2003-06-30'));
          const middle = new Date(Date.UTC(2003, 2, 1) + split * 86_400_000).toISOString().slice(0, 10);
          const next = new Date(Date.parse(middle) + 86_400_000).toISOString().slice(0, 10);
          const before = await revenue('2003-03-01', middle);
          expect(before).toEqual(reference.revenue('2003-03-01', middle));
          expect((await revenue(next, '2003-06-30')).totals).toEqual(reference.revenue(next, '2003-06-30').totals);

          // Against the floor rule, per bolt-on, from the units the balances show as used.
          for (let who = 0; who <= 4; who += 1) {
            const balance = await api.get<{ boltOns: BoltOnLine[] }>(`/v1/subscribers/${msisdn(who)}/balance`);
            expect(balance.status).toBe(200);
            for (const line of balance.body.boltOns) boltOns.set(line.purchaseId, line);
          }
          let sales = 0;
          let recognised = 0;
          for (const { units, unitsRemaining, pricePence } of boltOns.values()) {
            expect(unitsRemaining).toBeGreaterThanOrEqual(0);
            sales += pricePence;
            recognised += Math.floor((pricePence * (units - unitsRemaining)) / units);
          }
          expect(whole.totals.boltOnSalesPence).toBe(sales);
          expect(whole.totals.recognisedBoltOnPence).toBe(recognised);
          expect(whole.deferredPence).toBe(sales - recognised);
        },
      ),
      // The ledger keeps every run's records, so shrinking would not replay a smaller history: stop at the first failure.
      { numRuns: 15, endOnFailure: true },
    );
  });
});
