import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { boltOnPurchaseSchema, messageSentSchema, type LedgerEvent } from '@ledger/contracts';
import { DEFAULT_TARIFF_FILE, decideAll, parseTariff, recognisedPence, type RatingCommand } from '@ledger/rating';
import { FIGURE_NAMES, dayOf, postingsOf, type ClosedThrough, type PostedFigures, type Posting } from './postings.js';

// The default catalogue with GBP3 valid for 30 days; GBP5 never expires.
const json = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as Record<string, unknown>;
const tariff = parseTariff({
  ...json,
  boltOns: (json.boltOns as Record<string, unknown>[]).map((offer) =>
    offer.code === 'GBP3' ? { ...offer, validityDays: 30 } : offer,
  ),
});
const SUBSCRIBERS = ['447700900001', '447700900002'];
const MONTHS = ['2003-04', '2003-05', '2003-06', '2003-07', '2003-08'];

const instant = fc
  .integer({ min: Date.UTC(2003, 3, 1), max: Date.UTC(2003, 8, 1) - 1 })
  .map((ms) => new Date(ms).toISOString());
const command: fc.Arbitrary<RatingCommand> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record({
        purchaseId: fc.integer({ min: 1, max: 6 }).map((n) => `R-${n}`),
        msisdn: fc.constantFrom(...SUBSCRIBERS),
        boltOn: fc.constantFrom('GBP3', 'GBP5'),
        purchasedAt: instant,
      })
      .map((purchase): RatingCommand => ({ type: 'PurchaseBoltOn', purchase: boltOnPurchaseSchema.parse(purchase) })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({
        messageId: fc.integer({ min: 1, max: 80 }).map((n) => `M-${n}`),
        kind: fc.constantFrom('SMS', 'MMS'),
        sentAt: instant,
        sender: fc.record({ msisdn: fc.constantFrom(...SUBSCRIBERS), network: fc.constant('O2-UK') }),
        recipient: fc.record({
          msisdn: fc.constant('447800900999'),
          network: fc.constantFrom('O2-UK', 'ORANGE-UK', 'VODAFONE-UK'),
        }),
      })
      .map((raw): RatingCommand => ({
        type: 'RecordMessageSent',
        message: messageSentSchema.parse(
          raw.kind === 'MMS' ? { ...raw, mms: { sizeBytes: 1000, content: ['image'] } } : raw,
        ),
      })),
  },
);
// A history in the order the ledger records it (late inputs included), and closes of random months between its events.
const scenario = fc.record({
  commands: fc.array(command, { minLength: 1, maxLength: 60 }),
  closes: fc.array(fc.record({ at: fc.nat(), month: fc.constantFrom(...MONTHS) }), { maxLength: 4 }),
});

interface Projected {
  postings: Posting[];
  /** The figures of every day of each closed month, as they stood when it closed. */
  atClose: Map<string, PostedFigures>;
}

function project(events: readonly LedgerEvent[], closes: readonly { at: number; month: string }[]): Projected {
  const expiries = new Map<string, string>();
  const postings: Posting[] = [];
  const atClose = new Map<string, PostedFigures>();
  let closedThrough: ClosedThrough = null;
  events.forEach((event, index) => {
    for (const close of closes.filter(({ at }) => at % (events.length + 1) === index)) {
      if (closedThrough !== null && close.month <= closedThrough) continue;
      closedThrough = close.month;
      for (const [day, figures] of byDay(postings)) if (day.slice(0, 7) <= close.month) atClose.set(day, figures);
    }
    if (event.type === 'BoltOnPurchased' && event.data.expiresAt)
      expiries.set(event.data.purchaseId, event.data.expiresAt);
    postings.push(...postingsOf(event, closedThrough, (purchaseId) => expiries.get(purchaseId) ?? null));
  });
  return { postings, atClose };
}

function byDay(postings: readonly Posting[]): Map<string, PostedFigures> {
  const days = new Map<string, PostedFigures>();
  for (const posting of postings) {
    const figures = days.get(posting.postingDay) ?? zero();
    for (const name of FIGURE_NAMES) figures[name] += posting[name];
    days.set(posting.postingDay, figures);
  }
  return days;
}

const zero = (): PostedFigures => Object.fromEntries(FIGURE_NAMES.map((name) => [name, 0])) as unknown as PostedFigures;

function totals(postings: readonly Posting[]): PostedFigures {
  const sum = zero();
  for (const posting of postings) for (const name of FIGURE_NAMES) sum[name] += posting[name];
  return sum;
}

function eventsOf(commands: readonly RatingCommand[]): LedgerEvent[] {
  return decideAll(commands, new Map(), tariff, new Map()).events.map(({ event }) => event);
}

const everyDay = (): string[] => {
  const days: string[] = [];
  for (let ms = Date.UTC(2003, 3, 1); ms < Date.UTC(2003, 10, 1); ms += 86_400_000)
    days.push(dayOf(new Date(ms).toISOString()));
  return days;
};

/** Deferred at the end of a day, straight from the definitions: bolt-ons bought and not expired, less what they recognised. */
function independentDeferred(events: readonly LedgerEvent[], day: string): number {
  let deferred = 0;
  for (const event of events) {
    if (event.type !== 'BoltOnPurchased' || dayOf(event.data.purchasedAt) > day) continue;
    if (event.data.expiresAt && dayOf(event.data.expiresAt) <= day) continue;
    const recognised = events
      .flatMap((other) =>
        other.type === 'MessageCharged' && dayOf(other.data.message.sentAt) <= day ? other.data.allocations : [],
      )
      .filter((allocation) => allocation.purchaseId === event.data.purchaseId)
      .reduce((sum, allocation) => sum + allocation.recognisedPence, 0);
    deferred += event.data.pricePence - recognised;
  }
  return deferred;
}

describe('finance postings over random histories with closes at random months (docs/CONTRACT.md sections 9 and 10)', () => {
  it('(a) no closed day changes after its close; (b) all postings sum to the unclosed ledger; (c) the sums hold every day', () => {
    fc.assert(
      fc.property(scenario, ({ commands, closes }) => {
        const events = eventsOf(commands);
        const closed = project(events, closes);
        const unclosed = project(events, []);
        const finalDays = byDay(closed.postings);

        // (a) every day of a closed month answers exactly as at its close
        for (const [day, figures] of closed.atClose) expect(finalDays.get(day)).toEqual(figures);
        for (const day of finalDays.keys()) {
          if (
            !closed.atClose.has(day) &&
            [...closed.atClose.keys()].some((closedDay) => closedDay.slice(0, 7) === day.slice(0, 7))
          ) {
            // a day of a closed month with nothing at close must still have nothing
            expect(Object.values(finalDays.get(day)!).every((value) => value === 0)).toBe(true);
          }
        }
        // (b) what was posted over all days is what an unclosed ledger shows
        expect(totals(closed.postings)).toEqual(totals(unclosed.postings));

        // (c) recognised + breakage + deferred = sales at the end of every day, deferred never negative,
        // and the unclosed ledger's deferred is the definitions' own
        const sums = { posted: { sales: 0, used: 0 }, unclosed: { sales: 0, used: 0 } };
        const unclosedDays = byDay(unclosed.postings);
        for (const day of everyDay()) {
          for (const [key, days] of [
            ['posted', finalDays],
            ['unclosed', unclosedDays],
          ] as const) {
            const figures = days.get(day) ?? zero();
            sums[key].sales += figures.boltOnSalesPence;
            sums[key].used += figures.recognisedBoltOnPence + figures.breakagePence;
            expect(sums[key].sales - sums[key].used).toBeGreaterThanOrEqual(0);
          }
          expect(sums.unclosed.sales - sums.unclosed.used).toBe(independentDeferred(events, day));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('breakage of an unclosed ledger is P - floor(P * c / U) of each expired bolt-on, on the UTC day of its expiry', () => {
    fc.assert(
      fc.property(scenario, ({ commands }) => {
        const events = eventsOf(commands);
        const expected = new Map<string, number>();
        for (const event of events) {
          if (event.type !== 'BoltOnPurchased' || !event.data.expiresAt) continue;
          const { purchaseId, pricePence, units, expiresAt } = event.data;
          const used = events
            .flatMap((other) => (other.type === 'MessageCharged' ? other.data.allocations : []))
            .filter((allocation) => allocation.purchaseId === purchaseId)
            .reduce((sum, allocation) => sum + allocation.units, 0);
          const day = dayOf(expiresAt);
          expected.set(day, (expected.get(day) ?? 0) + pricePence - recognisedPence(pricePence, units, used));
        }
        const actual = new Map(
          [...byDay(project(events, []).postings)]
            .filter(([, figures]) => figures.breakagePence !== 0)
            .map(([day, figures]) => [day, figures.breakagePence]),
        );
        expect(actual).toEqual(new Map([...expected].filter(([, pence]) => pence !== 0)));
      }),
      { numRuns: 100 },
    );
  });
});
