import fc from 'fast-check';
import { HOME_NETWORK, NETWORKS, boltOnPurchaseSchema, messageSentSchema } from '@ledger/contracts';
import type { LedgerEvent, MessageFacts, RatedOutcome } from '@ledger/contracts';
import type { RatingCommand } from '../commands/rating-command.js';
import { evolve, initialSubscriberState } from '../subscriber/subscriber.state.js';
import type { Tariff } from '../tariff/tariff.model.js';
import { parseTariff } from '../tariff/tariff.parser.js';
import { defaultTariffJson } from '../testing/rating.fixtures.js';
import { decideAll } from './decide-all.js';
import { currentOutcomes, rerate } from './rerate.js';

const SUBSCRIBERS = ['447700900001', '447700900002', '447700900003'];
const PARTNERS = NETWORKS.filter((network) => network !== HOME_NETWORK);
const BOLT_ON_CODES = ['GBP3', 'GBP5'];
const THE_START = '0001-01-01T00:00:00Z';
const RUNS = { numRuns: 300 };

const instant = (from: number, until: number) =>
  fc.integer({ min: from, max: until - 1 }).map((ms) => new Date(ms).toISOString());
const inSpring = instant(Date.UTC(2003, 1, 15), Date.UTC(2003, 5, 1));
const network = fc.oneof(
  { weight: 3, arbitrary: fc.constant(HOME_NETWORK) },
  { weight: 2, arbitrary: fc.constantFrom(...NETWORKS) },
);

const purchase = fc.record({
  purchaseId: fc.integer({ min: 1, max: 8 }).map((n) => `R-${n}`),
  msisdn: fc.constantFrom(...SUBSCRIBERS),
  boltOn: fc.constantFrom(...BOLT_ON_CODES),
  purchasedAt: instant(Date.UTC(2003, 2, 25), Date.UTC(2003, 4, 1)),
});
const message = fc
  .record({
    messageId: fc.integer({ min: 1, max: 60 }).map((n) => `M-${n}`),
    kind: fc.constantFrom('SMS', 'MMS'),
    sentAt: inSpring,
    sender: fc.record({ msisdn: fc.constantFrom(...SUBSCRIBERS), network }),
    recipient: fc.record({ msisdn: fc.constant('447800900999'), network }),
    roamingCountry: fc.option(fc.constantFrom('IE', 'FR', 'US'), { nil: null, freq: 3 }),
  })
  .map((raw) => (raw.kind === 'MMS' ? { ...raw, mms: { sizeBytes: 1000, content: ['image'] } } : raw));

const history: fc.Arbitrary<RatingCommand[]> = fc.array(
  fc.oneof(
    {
      weight: 1,
      arbitrary: purchase.map((p): RatingCommand => ({
        type: 'PurchaseBoltOn',
        purchase: boltOnPurchaseSchema.parse(p),
      })),
    },
    {
      weight: 4,
      arbitrary: message.map((m): RatingCommand => ({
        type: 'RecordMessageSent',
        message: messageSentSchema.parse(m),
      })),
    },
  ),
  { minLength: 1, maxLength: 50 },
);

/** A catalogue both tariffs share: purchases keep what they were sold with, so only rating rules may differ. */
const catalogue = fc
  .array(fc.record({ pricePence: fc.integer({ min: 0, max: 1000 }), units: fc.integer({ min: 1, max: 9 }) }), {
    minLength: BOLT_ON_CODES.length,
    maxLength: BOLT_ON_CODES.length,
  })
  .map((sizes) =>
    BOLT_ON_CODES.map((code, i) => ({
      code,
      ...sizes[i],
      effectiveFrom: '2003-04-01T00:00:00Z',
      effectiveUntil: null,
    })),
  );

/** Prices, units per message, agreements and roaming drawn at random, each effective-dated somewhere in the spring. */
const rules = fc.record({
  smsPence: fc.integer({ min: 0, max: 40 }),
  mmsBefore: fc.integer({ min: 0, max: 90 }),
  mmsAfter: fc.integer({ min: 0, max: 90 }),
  mmsChange: inSpring,
  mmsUnits: fc.integer({ min: 1, max: 5 }),
  agreements: fc.uniqueArray(fc.record({ network: fc.constantFrom(...PARTNERS), effectiveFrom: inSpring }), {
    maxLength: 4,
    selector: (agreement) => agreement.network,
  }),
  roaming: fc.subarray(['IE', 'FR', 'US']),
});

function tariffOf(boltOns: unknown[], r: RulesValue): Tariff {
  return parseTariff({
    ...defaultTariffJson(),
    unitsPerMessage: { SMS: 1, MMS: r.mmsUnits },
    boltOns,
    paygPrices: [
      { kind: 'SMS', pricePence: r.smsPence, effectiveFrom: '2000-01-01T00:00:00Z', effectiveUntil: null },
      { kind: 'MMS', pricePence: r.mmsBefore, effectiveFrom: '2000-01-01T00:00:00Z', effectiveUntil: r.mmsChange },
      { kind: 'MMS', pricePence: r.mmsAfter, effectiveFrom: r.mmsChange, effectiveUntil: null },
    ],
    mmsInterconnects: r.agreements.map((a) => ({ ...a, effectiveUntil: null })),
    mmsRoamingCountries: r.roaming.map((country) => ({
      country,
      effectiveFrom: '2000-01-01T00:00:00Z',
      effectiveUntil: null,
    })),
  });
}

type RulesValue = typeof rules extends fc.Arbitrary<infer T> ? T : never;

const twoTariffs = fc
  .record({ boltOns: catalogue, a: rules, b: rules })
  .map(({ boltOns, a, b }) => ({ tariffA: tariffOf(boltOns, a), tariffB: tariffOf(boltOns, b) }));

describe('rerating everything under B equals rating everything under B (fast-check)', () => {
  it('gives exactly the charges, balances and finance figures of rating under B from the start', () => {
    fc.assert(
      fc.property(twoTariffs, history, ({ tariffA, tariffB }, commands) => {
        // given everything rated under A, when every subscriber is rerated from the start under B
        const underA = rateAll(commands, tariffA).streams;
        const corrected = new Map([...underA].map(([msisdn, stream]) => [msisdn, rerateAll(stream, tariffB)]));
        // then the ledger answers as if B had rated everything from the start
        const underB = rateAll(commands, tariffB).streams;
        expect(ledgerFigures(corrected)).toEqual(ledgerFigures(underB));
      }),
      RUNS,
    );
  });

  it('gets there too through a run from a random date first, and a second run from the start appends nothing', () => {
    fc.assert(
      fc.property(twoTariffs, history, inSpring, ({ tariffA, tariffB }, commands, from) => {
        const underA = rateAll(commands, tariffA).streams;
        const partly = new Map(
          [...underA].map(([msisdn, stream]) => [msisdn, [...stream, ...rerate(stream, tariffB, from, RUN).events]]),
        );
        const corrected = new Map([...partly].map(([msisdn, stream]) => [msisdn, rerateAll(stream, tariffB)]));
        expect(ledgerFigures(corrected)).toEqual(ledgerFigures(rateAll(commands, tariffB).streams));
        for (const stream of corrected.values()) expect(rerate(stream, tariffB, THE_START, RUN).events).toEqual([]);
      }),
      RUNS,
    );
  });

  it('examines every message of the stream from the start, and changes only those whose outcome differs', () => {
    fc.assert(
      fc.property(twoTariffs, history, ({ tariffA, tariffB }, commands) => {
        const underA = rateAll(commands, tariffA).streams;
        const underB = rateAll(commands, tariffB).streams;
        for (const [msisdn, stream] of underA) {
          const { messagesExamined, events } = rerate(stream, tariffB, THE_START, RUN);
          const before = currentOutcomes(stream);
          const after = currentOutcomes(underB.get(msisdn) ?? []);
          expect(messagesExamined).toBe(before.size);
          const differing = [...before.keys()].filter(
            (id) => JSON.stringify(before.get(id)) !== JSON.stringify(after.get(id)),
          );
          expect(events.map((event) => event.data.message.messageId)).toEqual(differing);
        }
      }),
      RUNS,
    );
  });
});

const RUN = { runId: 'run-property', tariffVersion: 2 };

/** Rate everything from the start with decideAll, as the writer does: each subscriber's stream of events. */
function rateAll(commands: readonly RatingCommand[], tariff: Tariff): { streams: Map<string, LedgerEvent[]> } {
  const streams = new Map<string, LedgerEvent[]>();
  for (const { msisdn, event } of decideAll(commands, new Map(), tariff, new Map()).events) {
    streams.set(msisdn, [...(streams.get(msisdn) ?? []), event]);
  }
  return { streams };
}

const rerateAll = (stream: LedgerEvent[], tariff: Tariff): LedgerEvent[] => [
  ...stream,
  ...rerate(stream, tariff, THE_START, RUN).events,
];

interface DayFigures {
  paygPence: number;
  recognisedBoltOnPence: number;
  boltOnSalesPence: number;
}

/** What the read models answer, computed straight from the streams: charges, balances, revenue days and interconnect. */
function ledgerFigures(streams: Map<string, LedgerEvent[]>) {
  const charges: Record<string, RatedOutcome & { sentAt: string }> = {};
  const balances: Record<string, unknown> = {};
  const days: Record<string, DayFigures> = {};
  const interconnect: Record<string, number> = {};
  const messages = new Map<string, MessageFacts>();
  const day = (at: string): DayFigures =>
    (days[at.slice(0, 10)] ??= { paygPence: 0, recognisedBoltOnPence: 0, boltOnSalesPence: 0 });
  for (const [msisdn, stream] of streams) {
    balances[msisdn] = stream.reduce(evolve, initialSubscriberState(msisdn));
    for (const event of stream) {
      if (event.type === 'BoltOnPurchased') day(event.data.purchasedAt).boltOnSalesPence += event.data.pricePence;
      if ('message' in event.data) messages.set(event.data.message.messageId, event.data.message);
    }
    for (const [messageId, outcome] of currentOutcomes(stream)) {
      const facts = messages.get(messageId)!;
      charges[messageId] = { ...outcome, sentAt: facts.sentAt };
      day(facts.sentAt).paygPence += outcome.pence;
      day(facts.sentAt).recognisedBoltOnPence += outcome.allocations.reduce((sum, a) => sum + a.recognisedPence, 0);
      const partner =
        outcome.status === 'CHARGED'
          ? facts.recipient.network
          : outcome.status === 'RECORDED'
            ? facts.sender.network
            : null;
      if (partner && partner !== HOME_NETWORK) {
        const key = `${partner} ${outcome.status === 'CHARGED' ? 'outbound' : 'inbound'} ${facts.kind} ${facts.sentAt.slice(0, 10)}`;
        interconnect[key] = (interconnect[key] ?? 0) + 1;
      }
    }
  }
  return { charges, balances, days, interconnect };
}
