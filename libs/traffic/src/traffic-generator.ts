/**
 * Realistic upstream traffic, the same on every run for a seed: messages of docs/CONTRACT.md section 2.1
 * (mostly SMS, some MMS, some inbound and roaming) and bolt-on purchases of section 2.2.
 */
export interface TrafficOptions {
  subscribers: number;
  seed?: number;
  /** Share of MMS among messages, 0..1. */
  mmsShare?: number;
  /** First sentAt; each next message is `spacingMs` later. */
  startAt?: number;
  spacingMs?: number;
  idPrefix?: string;
}

export interface UpstreamRecord {
  key: string;
  value: string;
}

const PARTNER_NETWORKS = ['VODAFONE-UK', 'ORANGE-UK', 'TMOBILE-UK'] as const;
const BOLT_ONS = ['GBP3', 'GBP5', 'GBP7', 'GBP9', 'GBP16'] as const;
const ROAMING = ['FR', 'ES', 'IE', 'DE', 'US'] as const;

/** A linear congruential generator: deterministic, fast, good enough for traffic. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483648;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export const subscriberMsisdn = (index: number): string => `4477${String(index).padStart(8, '0')}`;

export function* messageTraffic(count: number, options: TrafficOptions): Generator<UpstreamRecord> {
  const next = seededRandom(options.seed ?? 20030328);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const start = options.startAt ?? Date.UTC(2003, 3, 1);
  const spacing = options.spacingMs ?? 500;
  const prefix = options.idPrefix ?? 'SIM';
  for (let index = 0; index < count; index += 1) {
    const sender = subscriberMsisdn(Math.floor(next() * options.subscribers));
    const mms = next() < (options.mmsShare ?? 0.1);
    const inbound = next() < 0.05;
    const toO2 = next() < 0.5;
    const message = {
      messageId: `${prefix}-${index}`,
      kind: mms ? 'MMS' : 'SMS',
      sentAt: new Date(start + index * spacing).toISOString(),
      sender: {
        msisdn: inbound ? `4479${String(Math.floor(next() * 1e8)).padStart(8, '0')}` : sender,
        network: inbound ? pick(PARTNER_NETWORKS) : 'O2-UK',
      },
      recipient: {
        msisdn: `4478${String(Math.floor(next() * 1e8)).padStart(8, '0')}`,
        network: inbound || toO2 ? 'O2-UK' : pick(PARTNER_NETWORKS),
      },
      roamingCountry: !inbound && next() < 0.02 ? pick(ROAMING) : null,
      ...(mms ? { mms: { sizeBytes: 10_000 + Math.floor(next() * 290_000), content: ['image', 'text'] } } : {}),
    };
    yield { key: message.sender.msisdn, value: JSON.stringify(message) };
  }
}

/** One bolt-on for a share of the subscribers, bought in the first second of the period (bolt-ons sell from 2003-04-01). */
export function* purchaseTraffic(count: number, options: TrafficOptions): Generator<UpstreamRecord> {
  const next = seededRandom((options.seed ?? 20030328) + 1);
  const start = options.startAt ?? Date.UTC(2003, 3, 1);
  const prefix = options.idPrefix ?? 'SIM';
  for (let index = 0; index < count; index += 1) {
    const msisdn = subscriberMsisdn(Math.floor(next() * options.subscribers));
    const purchase = {
      purchaseId: `${prefix}-P-${index}`,
      msisdn,
      boltOn: BOLT_ONS[Math.floor(next() * BOLT_ONS.length)],
      purchasedAt: new Date(start + index).toISOString(),
    };
    yield { key: msisdn, value: JSON.stringify(purchase) };
  }
}
