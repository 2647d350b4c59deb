import { subscriberMsisdn, type UpstreamRecord } from '@ledger/traffic';

/**
 * The bench's traffic with the acceptance scenario's mix (test/scenario/scenario-generator.ts), at any
 * size: heavy users who buy bolt-ons, use them up and buy again (so they span several), light users
 * who sometimes buy one, purchases on the retail topic and through the API, inbound messages, inputs
 * the rules reject, repeated ids (same content and other content) and records that are not valid.
 */
export type MixedInput =
  | { readonly kind: 'message'; readonly record: UpstreamRecord; readonly messageId: string | null }
  | { readonly kind: 'purchase'; readonly record: UpstreamRecord }
  | { readonly kind: 'api-purchase'; readonly msisdn: string; readonly body: string };

export interface MixOptions {
  readonly subscribers: number;
  readonly idPrefix: string;
  readonly seed?: number;
}

/** Shares of the mix, each of the messages (or of the purchases, where it says so). */
export const MIX = {
  /** Subscribers who buy a GBP3 (50 units) and buy again every 40 messages, MMS taking 4 units each. */
  heavyUserShare: 0.02,
  heavyMessageShare: 0.25,
  heavyRebuyEvery: 40,
  /** A light user buys a bolt-on of any size with their first message. */
  lightBuyerShare: 0.05,
  mms: 0.12,
  inbound: 0.05,
  /** Sender and recipient both of other networks: NOT_O2_TRAFFIC. */
  notO2: 0.01,
  roaming: 0.04,
  /** Of roaming messages, in a country outside the MMS roaming list (an MMS there is ROAMING_NOT_SUPPORTED). */
  roamingOutsideList: 0.4,
  /** Same messageId and content again: a repeat, recorded once. */
  repeat: 0.01,
  /** Same messageId, other content: DUPLICATE_CONFLICT. */
  conflict: 0.002,
  /** Not a valid input: dead-lettered and listed as a rejection. */
  invalid: 0.001,
  /** Of purchases: bought through POST /v1/subscribers/{msisdn}/bolt-ons rather than the retail topic. */
  purchasesViaApi: 0.1,
  /** Of purchases: a bolt-on not in the catalogue (BOLT_ON_NOT_AVAILABLE). */
  unknownBoltOn: 0.03,
} as const;

const BOLT_ONS = ['GBP3', 'GBP5', 'GBP7', 'GBP9', 'GBP16'] as const;
const UNKNOWN_BOLT_ONS = ['GBP4', 'GBP20', 'TEXT100'] as const;
const OTHER_NETWORKS = ['VODAFONE-UK', 'ORANGE-UK', 'TMOBILE-UK', 'THREE-UK', 'OTHER'] as const;
const ROAMING_IN_LIST = ['IE', 'DE', 'NL', 'FR', 'IT', 'ES', 'HK'] as const;
const ROAMING_OUTSIDE = ['US', 'BR', 'ZA'] as const;
/** Bolt-ons sell from 2003-04-01; the traffic starts a day later so that every purchase is available. */
const START = Date.UTC(2003, 3, 2);
/** A message every 200 ms of sentAt: 2,000,000 messages span under five days, inside one month. */
const SPACING_MS = 200;

/**
 * mulberry32, as the acceptance scenario's generator uses. Not libs/traffic's `seededRandom`: its
 * product overflows a double's 53 bits, so it falls into a cycle of about 11,000 values, and 200,000
 * of its messages name fewer than 2,000 distinct senders whatever the subscriber count.
 */
export function uniformRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` messages (repeats and invalid records included) and the purchases the mix adds in front of
 * the messages they pay for; the same on every run for a seed and prefix.
 */
export function* mixedTraffic(count: number, options: MixOptions): Generator<MixedInput> {
  const next = uniformRandom(options.seed ?? 20030328);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const heavyUsers = Math.max(1, Math.round(options.subscribers * MIX.heavyUserShare));
  const lightUsers = Math.max(1, options.subscribers - heavyUsers);
  const sentByHeavy = new Map<number, number>();
  const boughtByLight = new Set<number>();
  const recent: { key: string; message: Record<string, unknown> }[] = [];
  let purchases = 0;
  const purchase = function* (msisdn: string, boltOn: string, atMs: number): Generator<MixedInput> {
    const purchaseId = `${options.idPrefix}-P-${purchases++}`;
    const purchasedAt = new Date(atMs).toISOString();
    if (next() < MIX.purchasesViaApi) {
      yield { kind: 'api-purchase', msisdn, body: JSON.stringify({ purchaseId, boltOn, purchasedAt }) };
    } else {
      const value = JSON.stringify({ purchaseId, msisdn, boltOn, purchasedAt });
      yield { kind: 'purchase', record: { key: msisdn, value } };
    }
  };
  for (let index = 0; index < count; index += 1) {
    const atMs = START + index * SPACING_MS;
    const roll = next();
    if (roll < MIX.invalid) {
      const key = subscriberMsisdn(heavyUsers + Math.floor(next() * lightUsers));
      // A record the contract refuses: no kind, and a sentAt without an offset.
      const value = JSON.stringify({ messageId: `${options.idPrefix}-BAD-${index}`, sentAt: '2003-04-02 10:00' });
      yield { kind: 'message', record: { key, value }, messageId: null };
      continue;
    }
    if (roll < MIX.invalid + MIX.repeat + MIX.conflict && recent.length > 0) {
      const first = pick(recent);
      const conflicting = roll >= MIX.invalid + MIX.repeat;
      const message = conflicting ? { ...first.message, sentAt: new Date(atMs).toISOString() } : first.message;
      yield { kind: 'message', record: { key: first.key, value: JSON.stringify(message) }, messageId: null };
      continue;
    }
    const shape = next();
    const inbound = shape < MIX.inbound;
    const notO2 = !inbound && shape < MIX.inbound + MIX.notO2;
    const heavy = next() < MIX.heavyMessageShare;
    const subscriber = heavy ? Math.floor(next() * heavyUsers) : heavyUsers + Math.floor(next() * lightUsers);
    const msisdn = subscriberMsisdn(subscriber);
    // Only a subscriber's own messages use (and so prompt) a bolt-on.
    if (heavy && !inbound && !notO2) {
      const sent = sentByHeavy.get(subscriber) ?? 0;
      sentByHeavy.set(subscriber, sent + 1);
      if (sent % MIX.heavyRebuyEvery === 0) {
        yield* purchase(msisdn, next() < MIX.unknownBoltOn ? pick(UNKNOWN_BOLT_ONS) : 'GBP3', atMs - 1000);
      }
    } else if (!inbound && !notO2 && !boughtByLight.has(subscriber) && next() < MIX.lightBuyerShare) {
      boughtByLight.add(subscriber);
      const boltOn = next() < MIX.unknownBoltOn ? pick(UNKNOWN_BOLT_ONS) : pick(BOLT_ONS);
      yield* purchase(msisdn, boltOn, atMs - 1000);
    }
    const mms = next() < MIX.mms;
    const otherParty = (): string => `4479${String(Math.floor(next() * 1e8)).padStart(8, '0')}`;
    const sender =
      inbound || notO2 ? { msisdn: otherParty(), network: pick(OTHER_NETWORKS) } : { msisdn, network: 'O2-UK' };
    const recipientNetwork = inbound || next() < 0.4 ? 'O2-UK' : pick(OTHER_NETWORKS);
    const recipient = notO2
      ? { msisdn: otherParty(), network: pick(OTHER_NETWORKS) }
      : { msisdn: `4478${String(Math.floor(next() * 1e8)).padStart(8, '0')}`, network: recipientNetwork };
    const roamingCountry =
      !inbound && !notO2 && next() < MIX.roaming
        ? next() < MIX.roamingOutsideList
          ? pick(ROAMING_OUTSIDE)
          : pick(ROAMING_IN_LIST)
        : null;
    const message: Record<string, unknown> = {
      messageId: `${options.idPrefix}-${index}`,
      kind: mms ? 'MMS' : 'SMS',
      sentAt: new Date(atMs).toISOString(),
      sender,
      recipient,
      roamingCountry,
      ...(mms ? { mms: { sizeBytes: 10_000 + Math.floor(next() * 290_000), content: ['image', 'text'] } } : {}),
    };
    const key = sender.msisdn;
    // The last few thousand messages are the ones a repeat copies: a network's retries come soon after.
    if (recent.length < 4096) recent.push({ key, message });
    else recent[index % 4096] = { key, message };
    yield { kind: 'message', record: { key, value: JSON.stringify(message) }, messageId: message.messageId as string };
  }
}

/** What one traffic holds, by kind: the bench checks the drain against it. */
export interface MixCounts {
  readonly messages: number;
  readonly purchases: number;
  readonly apiPurchases: number;
}

export function countMix(inputs: Iterable<MixedInput>): MixCounts {
  let messages = 0;
  let purchases = 0;
  let apiPurchases = 0;
  for (const input of inputs) {
    if (input.kind === 'message') messages += 1;
    else if (input.kind === 'purchase') purchases += 1;
    else apiPurchases += 1;
  }
  return { messages, purchases, apiPurchases };
}
