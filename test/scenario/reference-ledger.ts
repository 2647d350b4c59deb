/**
 * A deliberately simple reference implementation of SPEC sections 1, 3 and 4, written from the
 * specification alone (it imports nothing of the ledger), so that the scenario test can say what
 * the ledger must answer. It favours obviousness over speed: lists, loops, no caching.
 */

export type Network = 'O2-UK' | 'VODAFONE-UK' | 'ORANGE-UK' | 'TMOBILE-UK' | 'THREE-UK' | 'OTHER';
export type Kind = 'SMS' | 'MMS';
export type Status = 'CHARGED' | 'RECORDED' | 'REJECTED';
export type MessageReason = 'DUPLICATE_CONFLICT' | 'NOT_O2_TRAFFIC' | 'NO_MMS_INTERCONNECT' | 'ROAMING_NOT_SUPPORTED';

export interface Party {
  msisdn: string;
  network: Network;
}

/** A `network.message-sent.v1` value as the network sends it (timestamps with any offset). */
export interface MessageInput {
  messageId: string;
  kind: Kind;
  sentAt: string;
  sender: Party;
  recipient: Party;
  roamingCountry?: string | null;
  mms?: { sizeBytes: number; content: string[] };
}

/** A `retail.bolt-on-purchased.v1` value, or an API purchase with the msisdn of its path. */
export interface PurchaseInput {
  purchaseId: string;
  msisdn: string;
  boltOn: string;
  purchasedAt: string;
}

export interface ExpectedCharge {
  messageId: string;
  kind: Kind;
  sentAt: string;
  sender: Party;
  recipient: Party;
  roamingCountry: string | null;
  status: Status;
  reason: MessageReason | null;
  units: number;
  pence: number;
  allocations: { purchaseId: string; units: number }[];
}

export interface ExpectedBoltOn {
  purchaseId: string;
  boltOn: string;
  units: number;
  unitsRemaining: number;
  pricePence: number;
  purchasedAt: string;
  /** SPEC 10: the scenario's catalogue has no validityDays, so no bolt-on expires. */
  expiresAt: null;
}

export interface ExpectedBalance {
  msisdn: string;
  unitsAvailable: number;
  boltOns: ExpectedBoltOn[];
}

export interface PurchaseView {
  purchaseId: string;
  msisdn: string;
  boltOn: string;
  units: number;
  pricePence: number;
  purchasedAt: string;
}

/** What `POST /v1/subscribers/{msisdn}/bolt-ons` must answer (SPEC section 5). */
export type PurchaseAnswer =
  | { status: 201; purchase: PurchaseView }
  | { status: 200; purchase: PurchaseView }
  | { status: 422; reason: 'BOLT_ON_NOT_AVAILABLE' }
  | { status: 409; reason: 'DUPLICATE_CONFLICT' };

/** SPEC section 4 revenue figures, integer pence. */
export interface RevenueFigures {
  boltOnSalesPence: number;
  paygPence: number;
  recognisedBoltOnPence: number;
  /** SPEC 10: the scenario's catalogue has no validityDays, so nothing ever breaks. */
  breakagePence: number;
}

/** What `GET /v1/finance/revenue?from&to` must answer. */
export interface ExpectedRevenue {
  /** SPEC 9: nothing is closed in the scenario, so no day lists an adjustment. */
  days: (RevenueFigures & { date: string; adjustments: never[] })[];
  totals: RevenueFigures;
  /** As at the end of `to`. */
  deferredPence: number;
}

/** One partner network's line of `GET /v1/finance/interconnect?from&to`. */
export interface ExpectedInterconnect {
  network: Network;
  outboundSms: number;
  outboundMms: number;
  inboundSms: number;
  inboundMms: number;
}

/** Every network but O2-UK, in the order of SPEC section 2. */
export const PARTNER_NETWORKS: readonly Network[] = ['VODAFONE-UK', 'ORANGE-UK', 'TMOBILE-UK', 'THREE-UK', 'OTHER'];

/** SPEC section 1, the default tariff, as plain data. */
export const REFERENCE_TARIFF = {
  boltOnsAvailableFrom: '2003-04-01T00:00:00Z',
  boltOns: {
    GBP3: { pricePence: 300, units: 50 },
    GBP5: { pricePence: 500, units: 100 },
    GBP7: { pricePence: 700, units: 150 },
    GBP9: { pricePence: 900, units: 200 },
    GBP16: { pricePence: 1600, units: 400 },
  } as Record<string, { pricePence: number; units: number }>,
  smsPence: 10,
  mmsHalfPriceFrom: '2003-04-01T00:00:00Z',
  mmsPenceBefore: 70,
  mmsPenceFrom: 35,
  mmsInterconnectFrom: {
    'ORANGE-UK': '2003-01-01T00:00:00Z',
    'TMOBILE-UK': '2003-01-01T00:00:00Z',
    'VODAFONE-UK': '2003-03-28T00:00:00Z',
  } as Partial<Record<Network, string>>,
  mmsRoamingCountries: ['IE', 'DE', 'NL', 'FR', 'IT', 'ES', 'HK'],
  unitsPerMessage: { SMS: 1, MMS: 4 } as Record<Kind, number>,
};

const HOME: Network = 'O2-UK';
const ms = (instant: string): number => Date.parse(instant);
// As the ledger writes instants: milliseconds only when there are any.
const utc = (instant: string): string => new Date(instant).toISOString().replace(/\.000Z$/, 'Z');
const DAY_MS = 86_400_000;
/** The UTC day (YYYY-MM-DD) an instant falls on. */
const dayOf = (instant: string | number): string => new Date(instant).toISOString().slice(0, 10);
/** The first instant after a UTC day. */
const endOfDayMs = (date: string): number => ms(`${date}T00:00:00Z`) + DAY_MS;
/** Code-point order, the tie-break the SPEC asks for (purchaseId, messageId). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface BoltOnHolding {
  purchaseId: string;
  msisdn: string;
  boltOn: string;
  units: number;
  pricePence: number;
  purchasedAt: string;
  /** Every use, in the order rated: the sentAt of the message, the units it took and the pence it recognised. */
  uses: { messageId: string; sentAtMs: number; units: number; recognisedPence: number }[];
}

interface RecordedPurchase {
  content: string;
  answer: PurchaseAnswer;
}

interface RecordedMessage {
  content: string;
  charge: ExpectedCharge;
}

/**
 * An input `GET /v1/rejections` must list ("every input that was rejected"), or may list where the SPEC
 * leaves it open: a repeat of a rejected input gets the first answer again, but is it another rejection?
 */
export interface ExpectedRejection {
  source: 'kafka' | 'api';
  /** The messageId or purchaseId of the input. */
  id: string;
  reason: string;
  required: boolean;
}

/** How often the scenario reached situations worth covering (the test checks each happened). */
export interface Coverage {
  /** Messages recorded with an earlier sentAt than one the same sender had recorded before. */
  lateMessages: number;
  /** Paid as you go although a bolt-on with units was recorded: it was bought after the message's sentAt. */
  boltOnBoughtAfterSentAt: number;
  /** Paid as you go although usable bolt-ons held some units, too few for the message. */
  tooFewUnitsLeft: number;
  /** Took units from more than one bolt-on. */
  spanningBoltOns: number;
  /** Took units from a bolt-on with the same purchasedAt as another, recorded after it. */
  tieBrokenByPurchaseId: number;
  /** A use whose share P * units / U is no whole number of pence: the floor rule decides what it recognises. */
  flooredRecognition: number;
  /** Used a bolt-on with an earlier sentAt than a use rated before it: revenue lands on a day already reported. */
  useSentBeforeAnEarlierRatedUse: number;
}

/** One line of a subscriber's history, for explaining a mismatch. */
export interface HistoryLine {
  step: number;
  input: string;
  outcome: string;
}

export class ReferenceLedger {
  private readonly purchases = new Map<string, RecordedPurchase>();
  private readonly messages = new Map<string, RecordedMessage>();
  private readonly holdings = new Map<string, BoltOnHolding[]>();
  private readonly sent = new Map<string, ExpectedCharge[]>();
  private readonly history = new Map<string, HistoryLine[]>();
  private step = 0;
  private readonly expectedRejections: ExpectedRejection[] = [];
  private readonly latestSentAt = new Map<string, number>();
  readonly coverage: Coverage = {
    lateMessages: 0,
    boltOnBoughtAfterSentAt: 0,
    tooFewUnitsLeft: 0,
    spanningBoltOns: 0,
    tieBrokenByPurchaseId: 0,
    flooredRecognition: 0,
    useSentBeforeAnEarlierRatedUse: 0,
  };

  constructor(private readonly tariff = REFERENCE_TARIFF) {}

  /** SPEC 3 rule 1 (and 7 for purchases): returns what the API answers for it. */
  recordPurchase(input: PurchaseInput, source: 'kafka' | 'api' = 'kafka'): PurchaseAnswer {
    const purchasedAt = utc(input.purchasedAt);
    const content = JSON.stringify([input.purchaseId, input.msisdn, input.boltOn, purchasedAt]);
    const first = this.purchases.get(input.purchaseId);
    let answer: PurchaseAnswer;
    if (first) {
      answer = first.content === content ? first.answer : { status: 409, reason: 'DUPLICATE_CONFLICT' };
      if (answer.status === 409 || answer.status === 422) {
        this.expectedRejections.push({
          source,
          id: input.purchaseId,
          reason: answer.reason,
          required: answer.status === 409,
        });
      }
    } else {
      const offer = Object.hasOwn(this.tariff.boltOns, input.boltOn) ? this.tariff.boltOns[input.boltOn] : undefined;
      const available = ms(purchasedAt) >= ms(this.tariff.boltOnsAvailableFrom);
      if (!offer || !available) {
        answer = { status: 422, reason: 'BOLT_ON_NOT_AVAILABLE' };
        this.expectedRejections.push({ source, id: input.purchaseId, reason: answer.reason, required: true });
      } else {
        const purchase: PurchaseView = {
          purchaseId: input.purchaseId,
          msisdn: input.msisdn,
          boltOn: input.boltOn,
          units: offer.units,
          pricePence: offer.pricePence,
          purchasedAt,
        };
        this.holdingsOf(input.msisdn).push({ ...purchase, uses: [] });
        answer = { status: 201, purchase };
      }
      this.purchases.set(input.purchaseId, {
        content,
        answer: answer.status === 201 ? { status: 200, purchase: answer.purchase } : answer,
      });
    }
    this.note(input.msisdn, `purchase ${input.purchaseId} ${input.boltOn} at ${purchasedAt}`, describeAnswer(answer));
    return answer;
  }

  /** SPEC 3 rules 2 to 8 for one message, on the stream of its sender. */
  recordMessage(input: MessageInput): void {
    const facts = normalise(input);
    const content = contentOf(input);
    const first = this.messages.get(facts.messageId);
    const sender = facts.sender.msisdn;
    if (first) {
      const same = first.content === content;
      if (!same || first.charge.reason) {
        const reason = same ? (first.charge.reason as string) : 'DUPLICATE_CONFLICT';
        this.expectedRejections.push({ source: 'kafka', id: facts.messageId, reason, required: !same });
      }
      this.note(sender, describeMessage(facts), same ? 'repeat: no change' : 'DUPLICATE_CONFLICT: the first stands');
      return;
    }
    const sentAtMs = ms(facts.sentAt);
    if (sentAtMs < (this.latestSentAt.get(sender) ?? Number.NEGATIVE_INFINITY)) this.coverage.lateMessages++;
    this.latestSentAt.set(sender, Math.max(sentAtMs, this.latestSentAt.get(sender) ?? sentAtMs));
    const charge = this.rate(facts);
    if (charge.reason)
      this.expectedRejections.push({ source: 'kafka', id: facts.messageId, reason: charge.reason, required: true });
    this.messages.set(facts.messageId, { content, charge });
    const list = this.sent.get(sender) ?? [];
    list.push(charge);
    this.sent.set(sender, list);
    this.note(sender, describeMessage(facts), describeCharge(charge));
  }

  /** The charge `GET /v1/messages/{id}` must show, or undefined for 404. */
  charge(messageId: string): ExpectedCharge | undefined {
    return this.messages.get(messageId)?.charge;
  }

  /** The pence each allocation of the message recognised, in the order of its allocations (SPEC 4). */
  recognitionOf(messageId: string): number[] {
    const charge = this.charge(messageId);
    if (!charge) return [];
    return charge.allocations.map(({ purchaseId }) => {
      const holding = this.allHoldings().find((candidate) => candidate.purchaseId === purchaseId);
      return holding?.uses.find((use) => use.messageId === messageId)?.recognisedPence ?? Number.NaN;
    });
  }

  messageIds(): string[] {
    return [...this.messages.keys()];
  }

  /** The messages a subscriber sent, oldest sentAt first (ties: messageId); from inclusive, to exclusive. */
  charges(msisdn: string, from?: string, to?: string): ExpectedCharge[] {
    return (this.sent.get(msisdn) ?? [])
      .filter((charge) => from === undefined || ms(charge.sentAt) >= ms(from))
      .filter((charge) => to === undefined || ms(charge.sentAt) < ms(to))
      .sort((a, b) => ms(a.sentAt) - ms(b.sentAt) || byText(a.messageId, b.messageId));
  }

  /** Every bolt-on now, or as at T: purchases with purchasedAt <= T less units used by messages with sentAt <= T. */
  balance(msisdn: string, at?: string): ExpectedBalance {
    const atMs = at === undefined ? Number.POSITIVE_INFINITY : ms(at);
    const boltOns = this.sortedHoldings(msisdn)
      .filter((holding) => ms(holding.purchasedAt) <= atMs)
      .map((holding) => ({
        purchaseId: holding.purchaseId,
        boltOn: holding.boltOn,
        units: holding.units,
        unitsRemaining:
          holding.units - holding.uses.filter((use) => use.sentAtMs <= atMs).reduce((sum, use) => sum + use.units, 0),
        pricePence: holding.pricePence,
        purchasedAt: holding.purchasedAt,
        expiresAt: null,
      }));
    return { msisdn, unitsAvailable: boltOns.reduce((sum, boltOn) => sum + boltOn.unitsRemaining, 0), boltOns };
  }

  rejections(): readonly ExpectedRejection[] {
    return this.expectedRejections;
  }

  /** What was recorded for a subscriber, in order: to explain a mismatch. */
  historyOf(msisdn: string): HistoryLine[] {
    return this.history.get(msisdn) ?? [];
  }

  /**
   * SPEC 4 revenue for every UTC day from `from` to `to` (YYYY-MM-DD, both included): sales on the day of
   * purchasedAt, PAYG and recognised bolt-on revenue on the day of sentAt; deferred as at the end of `to`.
   */
  revenue(from: string, to: string): ExpectedRevenue {
    const days = datesFrom(from, to).map((date) => ({
      date,
      boltOnSalesPence: 0,
      paygPence: 0,
      recognisedBoltOnPence: 0,
      breakagePence: 0,
      adjustments: [] as never[],
    }));
    const byDate = new Map(days.map((day) => [day.date, day]));
    for (const holding of this.allHoldings()) {
      const saleDay = byDate.get(dayOf(holding.purchasedAt));
      if (saleDay) saleDay.boltOnSalesPence += holding.pricePence;
      for (const use of holding.uses) {
        const useDay = byDate.get(dayOf(use.sentAtMs));
        if (useDay) useDay.recognisedBoltOnPence += use.recognisedPence;
      }
    }
    for (const { charge } of this.messages.values()) {
      const chargeDay = byDate.get(dayOf(charge.sentAt));
      if (chargeDay && charge.status === 'CHARGED') chargeDay.paygPence += charge.pence;
    }
    const totals: RevenueFigures = { boltOnSalesPence: 0, paygPence: 0, recognisedBoltOnPence: 0, breakagePence: 0 };
    for (const day of days) {
      totals.boltOnSalesPence += day.boltOnSalesPence;
      totals.paygPence += day.paygPence;
      totals.recognisedBoltOnPence += day.recognisedBoltOnPence;
    }
    return { days, totals, deferredPence: this.deferredPence(endOfDayMs(to)) };
  }

  /**
   * Deferred revenue just before `beforeMs`, worked out from the bolt-ons themselves rather than from daily
   * flows: over bolt-ons purchased before it, P less what each has recognised by uses sent before it.
   */
  deferredPence(beforeMs: number): number {
    let deferred = 0;
    for (const holding of this.allHoldings()) {
      if (ms(holding.purchasedAt) >= beforeMs) continue;
      const recognisedSoFar = holding.uses
        .filter((use) => use.sentAtMs < beforeMs)
        .reduce((sum, use) => sum + use.recognisedPence, 0);
      deferred += holding.pricePence - recognisedSoFar;
    }
    return deferred;
  }

  /** SPEC 4 interconnect traffic per partner network over the UTC days from `from` to `to`, both included. */
  interconnect(from: string, to: string): ExpectedInterconnect[] {
    return PARTNER_NETWORKS.map((network) => {
      const traffic = this.interconnectMessages(network, from, to);
      const count = (status: Status, kind: Kind): number =>
        traffic.filter((charge) => charge.status === status && charge.kind === kind).length;
      return {
        network,
        outboundSms: count('CHARGED', 'SMS'),
        outboundMms: count('CHARGED', 'MMS'),
        inboundSms: count('RECORDED', 'SMS'),
        inboundMms: count('RECORDED', 'MMS'),
      };
    });
  }

  /**
   * The messages behind a partner network's figures over UTC days (both included), oldest sentAt first
   * (ties: messageId): CHARGED to a recipient on it, RECORDED from a sender on it. Rejected ones are not traffic.
   */
  interconnectMessages(network: Network, from: string, to = from): ExpectedCharge[] {
    return [...this.messages.values()]
      .map(({ charge }) => charge)
      .filter((charge) => dayOf(charge.sentAt) >= from && dayOf(charge.sentAt) <= to)
      .filter(
        (charge) =>
          (charge.status === 'CHARGED' && charge.recipient.network === network && network !== HOME) ||
          (charge.status === 'RECORDED' && charge.sender.network === network),
      )
      .sort((a, b) => ms(a.sentAt) - ms(b.sentAt) || byText(a.messageId, b.messageId));
  }

  /** What makes up a day's revenue, one line each in time order: to explain a mismatch. */
  revenueLinesOf(date: string): string[] {
    const lines: string[] = [];
    for (const holding of this.allHoldings()) {
      if (dayOf(holding.purchasedAt) === date)
        lines.push(`${holding.purchasedAt} sale of ${holding.purchaseId} ${holding.boltOn}: ${holding.pricePence}p`);
      let used = 0;
      for (const use of holding.uses) {
        const usedBefore = used;
        used += use.units;
        if (dayOf(use.sentAtMs) !== date) continue;
        lines.push(
          `${new Date(use.sentAtMs).toISOString()} ${use.messageId} used ${use.units}u of ${holding.purchaseId} ` +
            `(${holding.pricePence}p/${holding.units}u, used ${usedBefore} -> ${used}): recognised ${use.recognisedPence}p`,
        );
      }
    }
    for (const { charge } of this.messages.values()) {
      if (dayOf(charge.sentAt) === date && charge.status === 'CHARGED' && charge.pence > 0)
        lines.push(`${charge.sentAt} ${charge.messageId} PAYG ${charge.kind}: ${charge.pence}p`);
    }
    return lines.sort();
  }

  /** Every accepted purchase, of every subscriber. */
  private allHoldings(): BoltOnHolding[] {
    return [...this.holdings.values()].flat();
  }

  private rate(facts: ExpectedCharge): ExpectedCharge {
    const reject = (reason: MessageReason): ExpectedCharge => ({ ...facts, status: 'REJECTED', reason });
    const outbound = facts.sender.network === HOME;
    // Rule 2: who pays.
    if (!outbound && facts.recipient.network !== HOME) return reject('NOT_O2_TRAFFIC');
    // Rule 3: an MMS to (outbound) or from (inbound) a network without an agreement in force.
    if (facts.kind === 'MMS') {
      const otherParty = outbound ? facts.recipient.network : facts.sender.network;
      if (!this.mmsInterconnectInForce(otherParty, facts.sentAt)) return reject('NO_MMS_INTERCONNECT');
    }
    // Rule 4: outbound MMS while roaming outside the list.
    if (
      outbound &&
      facts.kind === 'MMS' &&
      facts.roamingCountry !== null &&
      !this.tariff.mmsRoamingCountries.includes(facts.roamingCountry)
    ) {
      return reject('ROAMING_NOT_SUPPORTED');
    }
    if (!outbound) return { ...facts, status: 'RECORDED' };
    // Rule 5: units first, all or nothing.
    const needed = this.tariff.unitsPerMessage[facts.kind];
    const sentAtMs = ms(facts.sentAt);
    const usable = this.sortedHoldings(facts.sender.msisdn).filter(
      (holding) => ms(holding.purchasedAt) <= sentAtMs && remaining(holding) > 0,
    );
    const unitsUsable = usable.reduce((sum, holding) => sum + remaining(holding), 0);
    if (unitsUsable >= needed) {
      const allocations: { purchaseId: string; units: number }[] = [];
      let outstanding = needed;
      for (const holding of usable) {
        if (outstanding === 0) break;
        const units = Math.min(outstanding, remaining(holding));
        const usedBefore = holding.units - remaining(holding);
        // SPEC 4: the use adds what the bolt-on has recognised after it less what it had before it.
        const recognisedPence = recognised(holding, usedBefore + units) - recognised(holding, usedBefore);
        if ((holding.pricePence * units) % holding.units !== 0) this.coverage.flooredRecognition++;
        if (holding.uses.some((use) => use.sentAtMs > sentAtMs)) this.coverage.useSentBeforeAnEarlierRatedUse++;
        holding.uses.push({ messageId: facts.messageId, sentAtMs, units, recognisedPence });
        allocations.push({ purchaseId: holding.purchaseId, units });
        outstanding -= units;
      }
      if (allocations.length > 1) this.coverage.spanningBoltOns++;
      const firstUsed = usable.find((holding) => holding.purchaseId === allocations[0].purchaseId)!;
      const holdings = this.holdings.get(facts.sender.msisdn) ?? [];
      if (
        holdings.some(
          (h) => h.purchasedAt === firstUsed.purchasedAt && holdings.indexOf(h) < holdings.indexOf(firstUsed),
        )
      ) {
        this.coverage.tieBrokenByPurchaseId++;
      }
      return { ...facts, status: 'CHARGED', units: needed, allocations };
    }
    if (unitsUsable > 0) this.coverage.tooFewUnitsLeft++;
    const later = this.holdings.get(facts.sender.msisdn) ?? [];
    if (later.some((holding) => ms(holding.purchasedAt) > sentAtMs && remaining(holding) >= needed)) {
      this.coverage.boltOnBoughtAfterSentAt++;
    }
    // Rule 6: pay as you go.
    return { ...facts, status: 'CHARGED', pence: this.paygPence(facts.kind, facts.sentAt) };
  }

  private mmsInterconnectInForce(network: Network, sentAt: string): boolean {
    if (network === HOME) return true;
    const from = this.tariff.mmsInterconnectFrom[network];
    return from !== undefined && ms(sentAt) >= ms(from);
  }

  private paygPence(kind: Kind, sentAt: string): number {
    if (kind === 'SMS') return this.tariff.smsPence;
    return ms(sentAt) < ms(this.tariff.mmsHalfPriceFrom) ? this.tariff.mmsPenceBefore : this.tariff.mmsPenceFrom;
  }

  private holdingsOf(msisdn: string): BoltOnHolding[] {
    const list = this.holdings.get(msisdn) ?? [];
    this.holdings.set(msisdn, list);
    return list;
  }

  /** Oldest purchasedAt first, ties by purchaseId. */
  private sortedHoldings(msisdn: string): BoltOnHolding[] {
    return [...(this.holdings.get(msisdn) ?? [])].sort(
      (a, b) => ms(a.purchasedAt) - ms(b.purchasedAt) || byText(a.purchaseId, b.purchaseId),
    );
  }

  private note(msisdn: string, input: string, outcome: string): void {
    const lines = this.history.get(msisdn) ?? [];
    lines.push({ step: ++this.step, input, outcome });
    this.history.set(msisdn, lines);
  }
}

const remaining = (holding: BoltOnHolding): number =>
  holding.units - holding.uses.reduce((sum, use) => sum + use.units, 0);

/** SPEC 4: floor(P * c / U), in BigInt so that no product is ever rounded. */
const recognised = (holding: BoltOnHolding, usedUnits: number): number =>
  Number((BigInt(holding.pricePence) * BigInt(usedUnits)) / BigInt(holding.units));

/** Every UTC day from `from` to `to`, both included, as YYYY-MM-DD. */
export function datesFrom(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let at = ms(`${from}T00:00:00Z`); at <= ms(`${to}T00:00:00Z`); at += DAY_MS) dates.push(dayOf(at));
  return dates;
}

/** The facts of a message as a charge shows them, in UTC, before rating. */
function normalise(input: MessageInput): ExpectedCharge {
  return {
    messageId: input.messageId,
    kind: input.kind,
    sentAt: utc(input.sentAt),
    sender: { msisdn: input.sender.msisdn, network: input.sender.network },
    recipient: { msisdn: input.recipient.msisdn, network: input.recipient.network },
    roamingCountry: input.roamingCountry ?? null,
    status: 'CHARGED',
    reason: null,
    units: 0,
    pence: 0,
    allocations: [],
  };
}

/**
 * A message's content for duplicate detection: every field of SPEC 2.1, timestamps in UTC and an absent
 * roamingCountry or mms as null, so that only a real difference is "other content".
 */
function contentOf(input: MessageInput): string {
  return JSON.stringify([
    input.messageId,
    input.kind,
    utc(input.sentAt),
    input.sender.msisdn,
    input.sender.network,
    input.recipient.msisdn,
    input.recipient.network,
    input.roamingCountry ?? null,
    input.mms ? [input.mms.sizeBytes, input.mms.content] : null,
  ]);
}

function describeMessage(facts: ExpectedCharge): string {
  const roaming = facts.roamingCountry ? ` roaming ${facts.roamingCountry}` : '';
  return `${facts.kind} ${facts.messageId} at ${facts.sentAt} ${facts.sender.network}->${facts.recipient.network}${roaming}`;
}

function describeCharge(charge: ExpectedCharge): string {
  if (charge.status !== 'CHARGED') return `${charge.status}${charge.reason ? ` ${charge.reason}` : ''}`;
  const allocations = charge.allocations.map((a) => `${a.purchaseId}:${a.units}`).join(',');
  return `CHARGED ${charge.units}u ${charge.pence}p${allocations ? ` [${allocations}]` : ''}`;
}

function describeAnswer(answer: PurchaseAnswer): string {
  return answer.status === 201 || answer.status === 200
    ? `${answer.status} ${answer.purchase.units}u ${answer.purchase.pricePence}p`
    : `${answer.status} ${answer.reason}`;
}
