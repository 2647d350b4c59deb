import {
  HOME_NETWORK,
  outcomeOf,
  type Allocation,
  type FinanceEvent,
  type LedgerEvent,
  type MessageFacts,
  type Network,
  type RatedOutcome,
} from '@ledger/contracts';

/** The figures of docs/CONTRACT.md sections 4, 9 and 10 that one posting moves. */
export interface PostedFigures {
  boltOnSalesPence: number;
  paygPence: number;
  recognisedBoltOnPence: number;
  breakagePence: number;
  outboundSms: number;
  outboundMms: number;
  inboundSms: number;
  inboundMms: number;
}

/**
 * What one event changes in the finance figures, on the day it is posted. `period` is the month the
 * figure belongs to; when that month was closed before the event, the posting day is the first day
 * of the earliest open month and the posting is a prior-period adjustment of `period`.
 */
export interface Posting extends PostedFigures {
  postingDay: string;
  period: string;
  /** Breakage happens at expiry: a posting that carries breakage counts only from this instant. */
  breakageAt: string | null;
  network: Network | null;
}

/** The last closed month (YYYY-MM), or null while every month is open; every earlier month is closed too. */
export type ClosedThrough = string | null;

export const ZERO_FIGURES: PostedFigures = {
  boltOnSalesPence: 0,
  paygPence: 0,
  recognisedBoltOnPence: 0,
  breakagePence: 0,
  outboundSms: 0,
  outboundMms: 0,
  inboundSms: 0,
  inboundMms: 0,
};

export const FIGURE_NAMES = Object.keys(ZERO_FIGURES) as (keyof PostedFigures)[];

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const isPeriod = (value: string): boolean => PERIOD.test(value) && !value.startsWith('0000');

/** The month after a period, YYYY-MM. */
export function nextPeriod(period: string): string {
  const [year, month] = period.split('-').map(Number);
  return month === 12
    ? `${String(year + 1).padStart(4, '0')}-01`
    : `${period.slice(0, 4)}-${String(month + 1).padStart(2, '0')}`;
}

/** The first instant of a period, RFC 3339. */
export const startOfPeriod = (period: string): string => `${period}-01T00:00:00Z`;

/** The UTC day of an instant; one already in UTC (`YYYY-MM-DDT…Z`, as the ledger stores them) is read as it stands. */
export const dayOf = (instant: string): string =>
  instant.length >= 20 && instant[4] === '-' && instant[10] === 'T' && instant.endsWith('Z')
    ? instant.slice(0, 10)
    : new Date(Date.parse(instant)).toISOString().slice(0, 10);

/** Where a figure of `day` is posted, given the closes recorded before it. */
export function postingOf(day: string, closedThrough: ClosedThrough): { postingDay: string; period: string } {
  const period = day.slice(0, 7);
  if (closedThrough === null || period > closedThrough) return { postingDay: day, period };
  return { postingDay: `${nextPeriod(closedThrough)}-01`, period };
}

/** Expiry of each bolt-on an event draws on (from its purchase); absent: it never expires. */
export type ExpiryOf = (purchaseId: string) => string | null;

/**
 * The postings of one event, in a fixed order (the figures of the event's own day first, then breakage per
 * bolt-on), so that a live projection and a rebuild write the same rows. A rerating posts after minus before.
 */
export function postingsOf(
  event: LedgerEvent | FinanceEvent,
  closedThrough: ClosedThrough,
  expiryOf: ExpiryOf,
): Posting[] {
  const postings = new PostingList(closedThrough);
  switch (event.type) {
    case 'BoltOnPurchased': {
      const { purchasedAt, pricePence, expiresAt } = event.data;
      postings.add(dayOf(purchasedAt), null, null, { boltOnSalesPence: pricePence });
      // What is never used becomes breakage at expiry; each use takes its recognition back from it.
      if (expiresAt) postings.add(dayOf(expiresAt), expiresAt, null, { breakagePence: pricePence });
      break;
    }
    case 'MessageCharged':
    case 'MessageRecorded':
    case 'MessageRejected':
      addOutcome(postings, event.data.message, outcomeOf(event), 1, expiryOf);
      break;
    case 'MessageRerated':
      addOutcome(postings, event.data.message, event.data.before, -1, expiryOf);
      addOutcome(postings, event.data.message, event.data.after, 1, expiryOf);
      break;
    case 'BoltOnPurchaseRejected':
    case 'PeriodClosed':
      break;
  }
  return postings.list();
}

function addOutcome(
  postings: PostingList,
  message: MessageFacts,
  outcome: RatedOutcome,
  sign: 1 | -1,
  expiryOf: ExpiryOf,
): void {
  const day = dayOf(message.sentAt);
  const recognised = outcome.allocations.reduce((sum, allocation) => sum + allocation.recognisedPence, 0);
  const traffic = trafficOf(message, outcome);
  postings.add(day, null, traffic?.network ?? null, {
    paygPence: sign * (outcome.status === 'CHARGED' ? outcome.pence : 0),
    recognisedBoltOnPence: sign * recognised,
    ...(traffic ? { [traffic.counter]: sign } : {}),
  });
  for (const allocation of outcome.allocations) addBreakageTaken(postings, allocation, sign, expiryOf);
}

function addBreakageTaken(postings: PostingList, allocation: Allocation, sign: 1 | -1, expiryOf: ExpiryOf): void {
  const expiresAt = expiryOf(allocation.purchaseId);
  if (expiresAt === null || allocation.recognisedPence === 0) return;
  postings.add(dayOf(expiresAt), expiresAt, null, { breakagePence: -sign * allocation.recognisedPence });
}

type Counter = 'outboundSms' | 'outboundMms' | 'inboundSms' | 'inboundMms';

/** Interconnect traffic (docs/CONTRACT.md section 4): outbound CHARGED or inbound RECORDED, with a partner network. */
function trafficOf(message: MessageFacts, outcome: RatedOutcome): { network: Network; counter: Counter } | null {
  if (outcome.status === 'CHARGED' && message.recipient.network !== HOME_NETWORK) {
    return { network: message.recipient.network, counter: message.kind === 'SMS' ? 'outboundSms' : 'outboundMms' };
  }
  if (outcome.status === 'RECORDED' && message.sender.network !== HOME_NETWORK) {
    return { network: message.sender.network, counter: message.kind === 'SMS' ? 'inboundSms' : 'inboundMms' };
  }
  return null;
}

/** Postings of one event, merged by where they land, zero ones left out. */
class PostingList {
  private readonly postings: Posting[] = [];

  constructor(private readonly closedThrough: ClosedThrough) {}

  add(day: string, breakageAt: string | null, network: Network | null, figures: Partial<PostedFigures>): void {
    // On the hot path (every message): postingOf inlined, no intermediate objects, only the figures given added.
    const period = day.slice(0, 7);
    const { closedThrough } = this;
    const postingDay = closedThrough === null || period > closedThrough ? day : `${nextPeriod(closedThrough)}-01`;
    let posting: Posting | undefined;
    for (const candidate of this.postings) {
      if (
        candidate.postingDay === postingDay &&
        candidate.period === period &&
        candidate.breakageAt === breakageAt &&
        candidate.network === network
      ) {
        posting = candidate;
        break;
      }
    }
    if (!posting) {
      posting = { postingDay, period, breakageAt, network, ...ZERO_FIGURES };
      this.postings.push(posting);
    }
    for (const name in figures) {
      const value = figures[name as keyof PostedFigures];
      if (value !== undefined) posting[name as keyof PostedFigures] += value;
    }
  }

  list(): Posting[] {
    return this.postings.filter((posting) => FIGURE_NAMES.some((name) => posting[name] !== 0));
  }
}
