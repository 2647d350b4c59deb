import fc from 'fast-check';
import { MESSAGE_KINDS, NETWORKS, boltOnPurchaseSchema, messageSentSchema } from '@ledger/contracts';
import type { BoltOnPurchased, LedgerEvent, MessageCharged } from '@ledger/contracts';
import type { RatingCommand } from '../commands/rating-command.js';
import { initialSubscriberState, evolve } from '../subscriber/subscriber.state.js';
import { paygPrice } from '../tariff/tariff.lookups.js';
import { parseTariff } from '../tariff/tariff.parser.js';
import { defaultTariff, defaultTariffJson, runLedger } from '../testing/rating.fixtures.js';
import { recognisedPence } from './revenue-recognition.js';

const O2_SUBSCRIBERS = ['447700900001', '447700900002'];
const SENDERS = [...O2_SUBSCRIBERS, '447800900004'];
const BOLT_ON_CODES = ['GBP3', 'GBP5', 'GBP7', 'GBP9', 'GBP16'];
const EDGES = ['2003-03-27T23:59:59.999Z', '2003-03-28T00:00:00Z', '2003-03-31T23:59:59.999Z', '2003-04-01T00:00:00Z'];
const RUNS = { numRuns: 200 };

const instantBetween = (from: number, until: number) =>
  fc.integer({ min: from, max: until - 1 }).map((ms) => new Date(ms).toISOString());
const instant = fc.oneof(
  { weight: 5, arbitrary: instantBetween(Date.UTC(2003, 1, 1), Date.UTC(2003, 6, 1)) },
  { weight: 1, arbitrary: fc.constantFrom(...EDGES) },
);
const network = fc.oneof(
  { weight: 3, arbitrary: fc.constant('O2-UK') },
  { weight: 2, arbitrary: fc.constantFrom(...NETWORKS) },
);
// Purchases cluster around the launch and messages lean later, so that messages find bolt-ons to use up.
const purchaseInstant = fc.oneof(
  { weight: 3, arbitrary: instantBetween(Date.UTC(2003, 2, 25), Date.UTC(2003, 4, 1)) },
  { weight: 1, arbitrary: instant },
);
const sentInstant = fc.oneof(
  { weight: 2, arbitrary: instantBetween(Date.UTC(2003, 4, 1), Date.UTC(2003, 6, 1)) },
  { weight: 1, arbitrary: instant },
);

const rawPurchase = fc.record({
  purchaseId: fc.integer({ min: 1, max: 16 }).map((n) => `R-${n}`),
  msisdn: fc.constantFrom(...O2_SUBSCRIBERS),
  boltOn: fc.constantFrom(...BOLT_ON_CODES, 'GBP4'),
  purchasedAt: purchaseInstant,
});

const rawMessage = fc
  .record({
    messageId: fc.integer({ min: 1, max: 80 }).map((n) => `M-${n}`),
    kind: fc.constantFrom(...MESSAGE_KINDS),
    sentAt: sentInstant,
    sender: fc.record({
      msisdn: fc.constantFrom(...SENDERS),
      network: fc.oneof({ weight: 3, arbitrary: fc.constant('O2-UK') }, network),
    }),
    recipient: fc.record({ msisdn: fc.constantFrom(...SENDERS), network }),
    roamingCountry: fc.option(fc.constantFrom('IE', 'FR', 'HK', 'US', 'JP'), { nil: null, freq: 2 }),
    sizeBytes: fc.nat(300_000),
  })
  .map(({ sizeBytes, ...message }) =>
    message.kind === 'MMS' ? { ...message, mms: { sizeBytes, content: ['image'] } } : message,
  );

type Raw = { purchase: Record<string, unknown> } | { message: Record<string, unknown> };
type Step = { input: Raw } | { again: number; rewriteOffset: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: rawPurchase.map((purchase) => ({ input: { purchase } })) },
  { weight: 6, arbitrary: rawMessage.map((message) => ({ input: { message } })) },
  { weight: 1, arbitrary: fc.record({ again: fc.nat(), rewriteOffset: fc.boolean() }) },
);

/** A tariff of small bolt-ons with odd prices, so that units run out, span bolt-ons, and floors move pennies. */
const smallBoltOnTariff = fc
  .array(fc.record({ pricePence: fc.integer({ min: 0, max: 2000 }), units: fc.integer({ min: 1, max: 8 }) }), {
    minLength: BOLT_ON_CODES.length,
    maxLength: BOLT_ON_CODES.length,
  })
  .map((sizes) =>
    parseTariff({
      ...defaultTariffJson(),
      boltOns: BOLT_ON_CODES.map((code, i) => ({
        code,
        ...sizes[i],
        effectiveFrom: '2003-04-01T00:00:00Z',
        effectiveUntil: null,
      })),
    }),
  );

const scenario = fc.record({
  tariff: fc.oneof({ weight: 1, arbitrary: fc.constant(defaultTariff) }, { weight: 3, arbitrary: smallBoltOnTariff }),
  commands: fc.array(step, { minLength: 10, maxLength: 60 }).map(toCommands),
});

describe('rating properties over random purchases and messages', () => {
  it('keeps every bolt-on whole: units never negative, used + remaining = units, recognised = floor(P x used / U) <= P', () => {
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        // given any sequence, when the ledger rates it
        const run = runLedger(commands, tariff);
        // then for every bolt-on sold
        for (const [msisdn, stream] of run.streams) {
          const holdings = run.states.get(msisdn)?.boltOns ?? [];
          for (const { data: bought } of stream.filter(isPurchased)) {
            const allocations = stream.flatMap(allocationsOf).filter((a) => a.purchaseId === bought.purchaseId);
            const used = sum(allocations.map((a) => a.units));
            const recognised = sum(allocations.map((a) => a.recognisedPence));
            const holding = holdings.find((h) => h.purchaseId === bought.purchaseId);
            expect(holding?.unitsRemaining).toBeGreaterThanOrEqual(0);
            expect(used + (holding?.unitsRemaining ?? NaN)).toBe(bought.units);
            expect(recognised).toBe(recognisedPence(bought.pricePence, bought.units, used));
            expect(recognised).toBeLessThanOrEqual(bought.pricePence);
            expect(allocations.every((a) => a.units > 0 && a.recognisedPence >= 0)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('charges an outbound message either all its units from bolt-ons bought by sentAt, or the PAYG price', () => {
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        const run = runLedger(commands, tariff);
        for (const stream of run.streams.values()) {
          const purchasedAt = new Map(stream.filter(isPurchased).map((e) => [e.data.purchaseId, e.data.purchasedAt]));
          for (const { data: charge } of stream.filter(isCharged)) {
            const { kind, sentAt } = charge.message;
            if (charge.allocations.length > 0) {
              expect(charge).toMatchObject({ pence: 0, units: tariff.unitsPerMessage[kind] });
              expect(sum(charge.allocations.map((a) => a.units))).toBe(charge.units);
              for (const a of charge.allocations)
                expect(Date.parse(purchasedAt.get(a.purchaseId) ?? '')).toBeLessThanOrEqual(Date.parse(sentAt));
            } else {
              expect(charge).toMatchObject({ units: 0, pence: paygPrice(tariff, kind, sentAt)?.pricePence });
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('changes nothing when any command is delivered again, and answers with the first outcome', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ({ tariff, commands }, pick) => {
        // given the sequence, when every command is delivered twice in a row and one again at the end
        const once = runLedger(commands, tariff);
        const again = commands.length > 0 ? [commands[pick % commands.length]] : [];
        const twice = runLedger([...commands.flatMap((c) => [c, c]), ...again], tariff);
        // then the ledger holds the same events and states
        expect(twice.streams).toEqual(once.streams);
        expect(twice.states).toEqual(once.states);
        // and each second delivery got the first answer
        once.decisions.forEach((first, i) => {
          const second = twice.decisions[2 * i + 1];
          expect(second).toEqual(first.outcome === 'new' ? { outcome: 'repeat', first: first.events[0] } : first);
        });
        expect(twice.decisions.slice(2 * commands.length).every((d) => d.outcome !== 'new')).toBe(true);
      }),
      RUNS,
    );
  });

  it('appends exactly one event per new command and answers other ones with an event already held', () => {
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        const run = runLedger(commands, tariff);
        const held = new Set([...run.streams.values()].flat());
        const appended = run.decisions.flatMap((d) => (d.outcome === 'new' ? d.events : []));
        expect(run.decisions.every((d) => d.outcome !== 'new' || d.events.length === 1)).toBe(true);
        expect(appended.length).toBe(held.size);
        expect(run.decisions.every((d) => d.outcome !== 'unrated' && (d.outcome === 'new' || held.has(d.first)))).toBe(
          true,
        );
      }),
      RUNS,
    );
  });

  it('is deterministic: the same sequence gives the same decisions', () => {
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        expect(runLedger(commands, tariff)).toEqual(runLedger(commands, tariff));
      }),
      RUNS,
    );
  });

  it('rebuilds every subscriber state from its stream alone', () => {
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        const run = runLedger(commands, tariff);
        for (const [msisdn, stream] of run.streams) {
          const replayed = stream.reduce(evolve, initialSubscriberState(msisdn));
          expect(replayed).toEqual(run.states.get(msisdn));
          expect(replayed.boltOns.map((h) => h.purchaseId)).toEqual(
            stream.filter(isPurchased).map((e) => e.data.purchaseId),
          );
        }
      }),
      RUNS,
    );
  });
});

function toCommands(steps: Step[]): RatingCommand[] {
  const inputs: Raw[] = [];
  for (const s of steps) {
    if ('input' in s) inputs.push(s.input);
    else if (inputs.length > 0) {
      const earlier = inputs[s.again % inputs.length];
      inputs.push(s.rewriteOffset ? withOffset(earlier) : earlier);
    }
  }
  return inputs.map((raw) =>
    'purchase' in raw
      ? { type: 'PurchaseBoltOn', purchase: boltOnPurchaseSchema.parse(raw.purchase) }
      : { type: 'RecordMessageSent', message: messageSentSchema.parse(raw.message) },
  );
}

/** The same input with its instant written at +01:00: the same content to the ledger. */
function withOffset(raw: Raw): Raw {
  const shift = (iso: unknown): string =>
    new Date(Date.parse(String(iso)) + 3_600_000).toISOString().replace('Z', '+01:00');
  return 'purchase' in raw
    ? { purchase: { ...raw.purchase, purchasedAt: shift(raw.purchase.purchasedAt) } }
    : { message: { ...raw.message, sentAt: shift(raw.message.sentAt) } };
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
const isPurchased = (event: LedgerEvent): event is BoltOnPurchased => event.type === 'BoltOnPurchased';
const isCharged = (event: LedgerEvent): event is MessageCharged => event.type === 'MessageCharged';
const allocationsOf = (event: LedgerEvent) => (isCharged(event) ? event.data.allocations : []);
