import fc from 'fast-check';
import { MESSAGE_KINDS, NETWORKS, boltOnPurchaseSchema, messageSentSchema } from '@ledger/contracts';
import type { BoltOnPurchase, BoltOnPurchased, LedgerEvent, MessageCharged, MessageSent } from '@ledger/contracts';
import type { RatingCommand } from '../commands/rating-command.js';
import { initialSubscriberState, evolve } from '../subscriber/subscriber.state.js';
import type { EffectivePeriod, Tariff } from '../tariff/tariff.model.js';
import { parseTariff } from '../tariff/tariff.parser.js';
import { defaultTariff, defaultTariffJson, runLedger } from '../testing/rating.fixtures.js';
import type { RatedDecision } from './decide-all.js';

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
            expect(recognised).toBe(floorRecognised(bought.pricePence, bought.units, used));
            expect(recognised).toBeLessThanOrEqual(bought.pricePence);
            expect(allocations.every((a) => a.units > 0 && a.recognisedPence >= 0)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('rates every command as a reference model written from the rules of docs/CONTRACT.md section 3 does', () => {
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        // given any sequence, when the ledger and the reference model rate it
        const run = runLedger(commands, tariff);
        const expected = referenceLedger(commands, tariff);
        // then each command gets the outcome, the event and the figures the model gives it
        expect(run.decisions.map(summaryOfDecision)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('uses units before pay-as-you-go: free when the usable bolt-ons hold enough, the PAYG price only when they do not', () => {
    const seen = { fromUnits: 0, paygWithNoUnits: 0, paygWithTooFewUnits: 0 };
    fc.assert(
      fc.property(scenario, ({ tariff, commands }) => {
        const run = runLedger(commands, tariff);
        for (const stream of run.streams.values()) {
          stream.forEach((event, index) => {
            if (!isCharged(event)) return;
            // given what the bolt-ons bought by sentAt still held, from the events before this one
            const { kind, sentAt } = event.data.message;
            const needed = tariff.unitsPerMessage[kind];
            const usable = usableUnitsBefore(stream.slice(0, index), Date.parse(sentAt));
            if (usable >= needed) {
              // then the message takes its units from them and costs nothing
              seen.fromUnits += 1;
              expect(event.data).toMatchObject({ units: needed, pence: 0 });
              expect(sum(event.data.allocations.map((a) => a.units))).toBe(needed);
            } else {
              // else it takes no units at all and pays the price of its kind in force at sentAt
              if (usable === 0) seen.paygWithNoUnits += 1;
              else seen.paygWithTooFewUnits += 1;
              expect(event.data).toMatchObject({ units: 0, allocations: [], pence: paygPenceAt(tariff, kind, sentAt) });
            }
          });
        }
      }),
      RUNS,
    );
    // The scenarios reach every branch, so the property cannot pass by never meeting one.
    expect(seen.fromUnits).toBeGreaterThan(0);
    expect(seen.paygWithNoUnits).toBeGreaterThan(0);
    expect(seen.paygWithTooFewUnits).toBeGreaterThan(0);
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

/** floor(P x c / U) in whole pence, written from the finance definition; P x c stays far below 2^53 here, so the division is exact. */
const floorRecognised = (pricePence: number, units: number, used: number): number =>
  Math.floor((pricePence * used) / units);

/** Units left, in bolt-ons bought by `sentAtMs`, after the uses recorded in `earlier` events of one stream. */
function usableUnitsBefore(earlier: readonly LedgerEvent[], sentAtMs: number): number {
  const remaining = new Map<string, number>();
  for (const event of earlier) {
    if (isPurchased(event) && Date.parse(event.data.purchasedAt) <= sentAtMs) {
      remaining.set(event.data.purchaseId, event.data.units);
    }
  }
  for (const { purchaseId, units } of earlier.flatMap(allocationsOf)) {
    const left = remaining.get(purchaseId);
    if (left !== undefined) remaining.set(purchaseId, left - units);
  }
  return sum([...remaining.values()]);
}

// ---- The reference model: docs/CONTRACT.md section 3 written out plainly, reading only the tariff's data. ----

const HOME = 'O2-UK';

type Summary =
  | { type: 'BoltOnPurchased'; purchaseId: string; boltOn: string; units: number; pricePence: number }
  | { type: 'BoltOnPurchaseRejected'; purchaseId: string; reason: string }
  | { type: 'MessageRecorded'; messageId: string }
  | { type: 'MessageRejected'; messageId: string; reason: string }
  | {
      type: 'MessageCharged';
      messageId: string;
      units: number;
      pence: number;
      allocations: { purchaseId: string; units: number; recognisedPence: number }[];
    };

type Expected =
  { outcome: 'new'; event: Summary } | { outcome: 'repeat'; first: Summary } | { outcome: 'conflict'; first: Summary };

interface ModelHolding {
  readonly purchaseId: string;
  readonly purchasedAtMs: number;
  readonly units: number;
  readonly pricePence: number;
  used: number;
}

const inForceAt = (entry: EffectivePeriod, atMs: number): boolean =>
  Date.parse(entry.effectiveFrom) <= atMs && (entry.effectiveUntil === null || atMs < Date.parse(entry.effectiveUntil));

function paygPenceAt(tariff: Tariff, kind: string, sentAt: string): number | undefined {
  return tariff.paygPrices.find((price) => price.kind === kind && inForceAt(price, Date.parse(sentAt)))?.pricePence;
}

function referenceLedger(commands: readonly RatingCommand[], tariff: Tariff): Expected[] {
  const holdings = new Map<string, ModelHolding[]>();
  const firsts = new Map<string, { command: RatingCommand; event: Summary }>();
  return commands.map((command): Expected => {
    // Rule 7 (and rule 1's repeats) first: an id seen before is answered with the first event.
    const key =
      command.type === 'PurchaseBoltOn' ? `p:${command.purchase.purchaseId}` : `m:${command.message.messageId}`;
    const first = firsts.get(key);
    if (first) {
      return sameContent(first.command, command)
        ? { outcome: 'repeat', first: first.event }
        : { outcome: 'conflict', first: first.event };
    }
    const event =
      command.type === 'PurchaseBoltOn'
        ? modelPurchase(command.purchase, tariff, holdings)
        : modelMessage(command.message, tariff, holdings);
    firsts.set(key, { command, event });
    return { outcome: 'new', event };
  });
}

function modelPurchase(purchase: BoltOnPurchase, tariff: Tariff, holdings: Map<string, ModelHolding[]>): Summary {
  const atMs = Date.parse(purchase.purchasedAt);
  const offer = tariff.boltOns.find((entry) => entry.code === purchase.boltOn && inForceAt(entry, atMs));
  if (!offer)
    return { type: 'BoltOnPurchaseRejected', purchaseId: purchase.purchaseId, reason: 'BOLT_ON_NOT_AVAILABLE' };
  // Rule 1: price and units are the catalogue's.
  const held = holdings.get(purchase.msisdn) ?? [];
  held.push({
    purchaseId: purchase.purchaseId,
    purchasedAtMs: atMs,
    units: offer.units,
    pricePence: offer.pricePence,
    used: 0,
  });
  holdings.set(purchase.msisdn, held);
  return {
    type: 'BoltOnPurchased',
    purchaseId: purchase.purchaseId,
    boltOn: purchase.boltOn,
    units: offer.units,
    pricePence: offer.pricePence,
  };
}

function modelMessage(message: MessageSent, tariff: Tariff, holdings: Map<string, ModelHolding[]>): Summary {
  const { messageId, kind, sender, recipient, roamingCountry } = message;
  const atMs = Date.parse(message.sentAt);
  const outbound = sender.network === HOME;
  // Rule 2: who pays.
  if (!outbound && recipient.network !== HOME) return { type: 'MessageRejected', messageId, reason: 'NOT_O2_TRAFFIC' };
  if (kind === 'MMS') {
    // Rule 3: MMS interconnect with the other party's network.
    const other = outbound ? recipient.network : sender.network;
    const interconnected =
      other === HOME || tariff.mmsInterconnects.some((entry) => entry.network === other && inForceAt(entry, atMs));
    if (!interconnected) return { type: 'MessageRejected', messageId, reason: 'NO_MMS_INTERCONNECT' };
    // Rule 4: outbound MMS while roaming.
    const roamingAllowed =
      roamingCountry === null ||
      tariff.mmsRoamingCountries.some((entry) => entry.country === roamingCountry && inForceAt(entry, atMs));
    if (outbound && !roamingAllowed) return { type: 'MessageRejected', messageId, reason: 'ROAMING_NOT_SUPPORTED' };
  }
  if (!outbound) return { type: 'MessageRecorded', messageId };
  // Rule 5: units first, oldest purchasedAt first (ties: purchaseId), all or none.
  const needed = tariff.unitsPerMessage[kind];
  const usable = (holdings.get(sender.msisdn) ?? [])
    .filter((held) => held.purchasedAtMs <= atMs && held.used < held.units)
    .sort((a, b) => a.purchasedAtMs - b.purchasedAtMs || (a.purchaseId < b.purchaseId ? -1 : 1));
  if (sum(usable.map((held) => held.units - held.used)) >= needed) {
    const allocations: { purchaseId: string; units: number; recognisedPence: number }[] = [];
    let outstanding = needed;
    for (const held of usable) {
      if (outstanding === 0) break;
      const units = Math.min(outstanding, held.units - held.used);
      const recognisedPence =
        floorRecognised(held.pricePence, held.units, held.used + units) -
        floorRecognised(held.pricePence, held.units, held.used);
      held.used += units;
      outstanding -= units;
      allocations.push({ purchaseId: held.purchaseId, units, recognisedPence });
    }
    return { type: 'MessageCharged', messageId, units: needed, pence: 0, allocations };
  }
  // Rule 6: otherwise the PAYG price of its kind in force at sentAt.
  const pence = paygPenceAt(tariff, kind, message.sentAt);
  if (pence === undefined) throw new Error(`the scenario's tariff has no ${kind} price at ${message.sentAt}`);
  return { type: 'MessageCharged', messageId, units: 0, pence, allocations: [] };
}

/** Same content under the same id: every field of the input, instants compared as instants. */
function sameContent(a: RatingCommand, b: RatingCommand): boolean {
  if (a.type === 'PurchaseBoltOn' && b.type === 'PurchaseBoltOn') {
    const [x, y] = [a.purchase, b.purchase];
    return (
      x.purchaseId === y.purchaseId &&
      x.msisdn === y.msisdn &&
      x.boltOn === y.boltOn &&
      Date.parse(x.purchasedAt) === Date.parse(y.purchasedAt)
    );
  }
  if (a.type === 'RecordMessageSent' && b.type === 'RecordMessageSent') {
    const [x, y] = [a.message, b.message];
    return (
      x.messageId === y.messageId &&
      x.kind === y.kind &&
      Date.parse(x.sentAt) === Date.parse(y.sentAt) &&
      x.sender.msisdn === y.sender.msisdn &&
      x.sender.network === y.sender.network &&
      x.recipient.msisdn === y.recipient.msisdn &&
      x.recipient.network === y.recipient.network &&
      (x.roamingCountry ?? null) === (y.roamingCountry ?? null) &&
      JSON.stringify(x.mms ?? null) === JSON.stringify(y.mms ?? null)
    );
  }
  return false;
}

/** The ledger's decision in the model's terms: the outcome and the figures of its event. */
function summaryOfDecision(decision: RatedDecision): Expected | RatedDecision {
  switch (decision.outcome) {
    case 'new':
      return decision.events.length === 1 ? { outcome: 'new', event: summaryOf(decision.events[0]) } : decision;
    case 'repeat':
      return { outcome: 'repeat', first: summaryOf(decision.first) };
    case 'conflict':
      return { outcome: 'conflict', first: summaryOf(decision.first) };
    case 'unrated':
      return decision;
  }
}

function summaryOf(event: LedgerEvent): Summary {
  switch (event.type) {
    case 'BoltOnPurchased': {
      const { purchaseId, boltOn, units, pricePence } = event.data;
      return { type: event.type, purchaseId, boltOn, units, pricePence };
    }
    case 'BoltOnPurchaseRejected':
      return { type: event.type, purchaseId: event.data.purchaseId, reason: event.data.reason };
    case 'MessageRecorded':
      return { type: event.type, messageId: event.data.message.messageId };
    case 'MessageRejected':
      return { type: event.type, messageId: event.data.message.messageId, reason: event.data.reason };
    case 'MessageRerated':
      throw new Error('first ratings never decide a rerating');
    case 'MessageCharged': {
      const { message, units, pence, allocations } = event.data;
      return {
        type: event.type,
        messageId: message.messageId,
        units,
        pence,
        allocations: allocations.map(({ purchaseId, units: used, recognisedPence }) => ({
          purchaseId,
          units: used,
          recognisedPence,
        })),
      };
    }
  }
}
