import type { Kind, MessageInput, Network, Party, PurchaseInput } from './reference-ledger.js';

/**
 * A seeded, deterministic scenario of purchases and messages between February and June 2003, cut into
 * phases so that the order the ledger records a subscriber's inputs is known: each phase is purchases
 * (Kafka first, then the API, one call at a time), drained, then messages on Kafka keyed by sender, drained.
 * Only inputs that never race are put in one phase: a repeated id under another key (another partition)
 * always comes in a later phase than its first.
 */

/** A small PRNG (mulberry32): the same seed gives the same scenario on every machine. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1][0];
  }
}

/** One message record as it goes on `network.message-sent.v1`. */
export interface MessageRecord {
  key: string;
  value: string;
}

export interface ScenarioPhase {
  name: string;
  kafkaPurchases: PurchaseInput[];
  apiPurchases: PurchaseInput[];
  messages: MessageRecord[];
}

export interface Scenario {
  seed: number;
  phases: ScenarioPhase[];
  /** O2 customers, heavy users first. */
  o2Subscribers: string[];
  heavyUsers: string[];
  /** Customers of other networks who send to O2 (inbound) or elsewhere (not O2 traffic). */
  otherSenders: string[];
}

/** Past instants at which every balance is checked; some inputs fall exactly on them. */
export const AS_AT_INSTANTS = ['2003-03-31T23:59:59Z', '2003-04-15T12:00:00Z', '2003-05-31T23:59:59Z'] as const;

/** The window of the windowed charges listing: from inclusive, to exclusive. */
export const CHARGES_WINDOW = { from: '2003-03-28T00:00:00Z', to: '2003-05-01T00:00:00Z' } as const;

const WINDOWS: readonly (readonly [string, string])[] = [
  ['2003-02-01T00:00:00Z', '2003-03-01T00:00:00Z'],
  ['2003-03-01T00:00:00Z', '2003-04-01T00:00:00Z'],
  ['2003-04-01T00:00:00Z', '2003-05-01T00:00:00Z'],
  ['2003-05-01T00:00:00Z', '2003-06-01T00:00:00Z'],
  ['2003-06-01T00:00:00Z', '2003-07-01T00:00:00Z'],
];

const BOLT_ONS = ['GBP3', 'GBP5', 'GBP7', 'GBP9', 'GBP16'];
const UNKNOWN_BOLT_ONS = ['GBP4', 'GBP20', 'GBP10', 'TEXT100'];
const ROAMING_ALLOWED = ['IE', 'DE', 'NL', 'FR', 'IT', 'ES', 'HK'];
const ROAMING_NOT_ALLOWED = ['US', 'BR', 'ZA'];
const CONTENT_TYPES = ['image', 'audio', 'text', 'video'];
const UK_OTHERS: Network[] = ['VODAFONE-UK', 'ORANGE-UK', 'TMOBILE-UK', 'THREE-UK'];
const PREFIX: Record<Network, string> = {
  'O2-UK': '4477009',
  'VODAFONE-UK': '4478029',
  'ORANGE-UK': '4479739',
  'TMOBILE-UK': '4479569',
  'THREE-UK': '4478889',
  OTHER: '3538612',
};

const ms = (instant: string): number => Date.parse(instant);
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** An instant written as an upstream system might: Z or an offset, with milliseconds when it has them. */
function formatInstant(instantMs: number, offsetMinutes = 0, withMillis = false): string {
  const local = new Date(instantMs + offsetMinutes * 60_000).toISOString();
  const millis = instantMs % 1000 !== 0 || withMillis ? local.slice(19, 23) : '';
  if (offsetMinutes === 0) return `${local.slice(0, 19)}${millis}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local.slice(0, 19)}${millis}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

interface Placed {
  phase: number;
  input: MessageInput;
}

class ScenarioBuilder {
  private readonly random: Random;
  private messageSeq = 0;
  private purchaseSeq = 0;
  private readonly placedMessages: Placed[] = [];
  private readonly placedPurchases: { phase: number; purchase: PurchaseInput }[] = [];
  readonly o2: string[];
  readonly heavy: string[];
  /** Buy two bolt-ons at the same instant, the later purchaseId recorded first. */
  readonly tieBuyers: string[];
  readonly others: Party[];

  constructor(readonly seed: number) {
    this.random = new Random(seed);
    this.o2 = Array.from({ length: 60 }, (_, i) => `${PREFIX['O2-UK']}${pad(101 + i * 7, 5)}`);
    this.heavy = this.o2.slice(0, 6);
    this.tieBuyers = this.o2.slice(40, 44);
    const networks: Network[] = [...UK_OTHERS, 'OTHER'];
    this.others = networks.flatMap((network) =>
      Array.from({ length: 5 }, (_, i) => ({ msisdn: `${PREFIX[network]}${pad(201 + i * 11, 5)}`, network })),
    );
  }

  build(): Scenario {
    const phases = WINDOWS.map((_, phase) => this.phase(phase));
    return {
      seed: this.seed,
      phases,
      o2Subscribers: this.o2,
      heavyUsers: this.heavy,
      otherSenders: this.others.map((party) => party.msisdn),
    };
  }

  private phase(phase: number): ScenarioPhase {
    const { kafka, api } = this.purchasesOf(phase);
    const messages = this.messagesOf(phase);
    return {
      name: `phase ${phase + 1} (${WINDOWS[phase][0].slice(0, 7)})`,
      kafkaPurchases: kafka,
      apiPurchases: api,
      messages,
    };
  }

  // ---- purchases ----

  private purchasesOf(phase: number): { kafka: PurchaseInput[]; api: PurchaseInput[] } {
    const kafka: PurchaseInput[] = [];
    const api: PurchaseInput[] = [];
    const add = (purchase: PurchaseInput, via: 'kafka' | 'api' = this.random.chance(0.5) ? 'kafka' : 'api'): void => {
      (via === 'kafka' ? kafka : api).push(purchase);
      this.placedPurchases.push({ phase, purchase });
    };

    for (const msisdn of this.o2) {
      const isHeavy = this.heavy.includes(msisdn);
      const count = isHeavy
        ? 1 + Number(phase >= 2 && this.random.chance(0.5))
        : phase < 2
          ? Number(this.random.chance(0.25))
          : Number(this.random.chance(0.6)) + Number(this.random.chance(0.25));
      for (let i = 0; i < count; i++) {
        const boltOn = this.random.chance(0.06)
          ? this.random.pick(UNKNOWN_BOLT_ONS)
          : isHeavy
            ? msisdn === this.heavy[5]
              ? 'GBP16'
              : 'GBP3'
            : this.random.pick(BOLT_ONS);
        // A heavy user buys early in the month and runs out well before its end.
        const at =
          isHeavy && phase >= 2
            ? i === 0
              ? this.earlyIn(WINDOWS[phase])
              : this.instantIn(WINDOWS[phase])
            : this.purchaseInstant(phase);
        add(this.purchase(msisdn, boltOn, at));
      }
    }

    if (phase === 1) {
      // The edge of availability: a second before is refused, the instant itself (however written) is not.
      add(this.purchase(this.o2[6], 'GBP3', ms('2003-03-31T23:59:59Z')), 'kafka');
      add(this.purchase(this.o2[6], 'GBP5', ms('2003-04-01T00:00:00Z')), 'api');
      add({ ...this.purchase(this.o2[8], 'GBP7', 0), purchasedAt: '2003-04-01T01:00:00+01:00' }, 'api');
      add({ ...this.purchase(this.o2[9], 'GBP7', 0), purchasedAt: '2003-04-01T00:59:59+01:00' }, 'kafka');
      add(this.purchase(this.o2[10], 'GBP16', ms('2003-03-31T23:59:59.999Z')), 'api');
    }
    if (phase === 2 || phase === 3) {
      // Ties on purchasedAt: the later purchaseId is recorded first, the earlier one must still be used first.
      for (let i = 0; i < 4; i++) {
        const msisdn = this.tieBuyers[i];
        const at = phase === 2 ? ms('2003-04-15T12:00:00Z') : this.instantIn(WINDOWS[phase]);
        const tie = `TIE-${phase}${i}`;
        add({ purchaseId: `${tie}-B`, msisdn, boltOn: 'GBP3', purchasedAt: formatInstant(at) }, 'kafka');
        add({ purchaseId: `${tie}-A`, msisdn, boltOn: 'GBP3', purchasedAt: formatInstant(at, 60) }, 'api');
      }
    }

    this.purchaseRepeats(phase, kafka, api);
    return { kafka, api };
  }

  /** Repeated purchaseIds, with the same content and with other content, in the same phase or later. */
  private purchaseRepeats(phase: number, kafka: PurchaseInput[], api: PurchaseInput[]): void {
    const earlier = this.placedPurchases.filter((placed) => placed.phase < phase).map((placed) => placed.purchase);
    const candidates = [...earlier, ...kafka, ...api];
    const repeats = phase === 0 ? 3 : 8;
    for (let i = 0; i < repeats; i++) {
      const first = this.random.pick(candidates);
      const inThisPhaseApi = api.includes(first);
      const inThisPhaseKafka = kafka.includes(first);
      const change = this.random.weighted([
        ['none', 5],
        ['boltOn', 2],
        ['purchasedAt', 2],
        ['msisdn', 1],
      ] as const);
      let repeat: PurchaseInput = { ...first };
      if (change === 'boltOn') repeat = { ...first, boltOn: first.boltOn === 'GBP9' ? 'GBP7' : 'GBP9' };
      if (change === 'purchasedAt')
        repeat = { ...first, purchasedAt: formatInstant(ms(first.purchasedAt) + 3_600_000) };
      if (change === 'msisdn')
        repeat = { ...first, msisdn: this.random.pick(this.o2.filter((m) => m !== first.msisdn)) };
      // Kafka purchases of a phase are drained before its API calls: an API first must be repeated through the API,
      // and another msisdn (another partition) may only follow a first of this phase through the API.
      const viaApi = inThisPhaseApi || (inThisPhaseKafka && change === 'msisdn') || this.random.chance(0.6);
      (viaApi ? api : kafka).push(repeat);
    }
  }

  private purchase(msisdn: string, boltOn: string, atMs: number): PurchaseInput {
    const channel = this.random.weighted([
      ['R', 6],
      ['WEB', 2],
      ['POS', 2],
    ] as const);
    return {
      purchaseId: `${channel}-${pad(++this.purchaseSeq, 5)}`,
      msisdn,
      boltOn,
      purchasedAt: formatInstant(atMs, this.random.chance(0.1) ? 60 : 0),
    };
  }

  /** Mostly in the phase's month; some back-dated (late) and some ahead (future). */
  private purchaseInstant(phase: number): number {
    const roll = this.random.next();
    if (roll < 0.12 && phase >= 2) return this.instantIn(WINDOWS[this.random.int(2, phase)]);
    if (roll > 0.88) return this.instantIn(WINDOWS[Math.min(phase + 1, WINDOWS.length - 1)]);
    if (phase === 1 && roll > 0.7) return this.instantIn(WINDOWS[2]);
    return this.instantIn(WINDOWS[phase]);
  }

  // ---- messages ----

  private messagesOf(phase: number): MessageRecord[] {
    const fresh: MessageInput[] = [];
    for (const msisdn of this.o2) {
      const isHeavy = this.heavy.includes(msisdn);
      const count = isHeavy ? this.random.int(42, 56) : this.random.int(2, 8);
      for (let i = 0; i < count; i++) fresh.push(this.outbound(msisdn, this.messageInstant(phase), isHeavy));
    }
    for (const sender of this.others) {
      const count = this.random.int(1, 4);
      for (let i = 0; i < count; i++) fresh.push(this.fromOtherNetwork(sender, this.messageInstant(phase)));
    }
    fresh.push(...this.edgeMessages(phase));

    // Roughly in time order, as a network would send them, with some late and some shuffled.
    const ordered = [...fresh].sort((a, b) => ms(a.sentAt) - ms(b.sentAt));
    for (let i = 0; i < ordered.length / 10; i++) {
      const [moved] = ordered.splice(this.random.int(0, ordered.length - 1), 1);
      ordered.splice(this.random.int(0, ordered.length), 0, moved);
    }
    const records: MessageRecord[] = ordered.map((input) => ({
      key: input.sender.msisdn,
      value: JSON.stringify(input),
    }));
    for (const input of ordered) this.placedMessages.push({ phase, input });
    this.messageRepeats(phase, ordered, records);
    return records;
  }

  /** Repeated messageIds: same content (also written differently), other content, another sender later. */
  private messageRepeats(phase: number, thisPhase: MessageInput[], records: MessageRecord[]): void {
    const earlier = this.placedMessages.filter((placed) => placed.phase < phase).map((placed) => placed.input);
    const insertAfter = (first: MessageInput, record: MessageRecord): void => {
      const firstIndex = records.findIndex((r) => r.value.includes(`"messageId":${JSON.stringify(first.messageId)}`));
      const from = firstIndex === -1 ? 0 : firstIndex + 1;
      records.splice(this.random.int(from, records.length), 0, record);
    };
    const pickFirst = (): MessageInput =>
      phase > 0 && this.random.chance(0.5) ? this.random.pick(earlier) : this.random.pick(thisPhase);

    for (let i = 0; i < 9; i++) {
      const first = pickFirst();
      insertAfter(first, { key: first.sender.msisdn, value: this.sameContentWrittenOtherwise(first) });
    }
    for (let i = 0; i < 6; i++) {
      const first = pickFirst();
      insertAfter(first, { key: first.sender.msisdn, value: JSON.stringify(this.otherContent(first)) });
    }
    if (phase > 0) {
      for (let i = 0; i < 3; i++) {
        const first = this.random.pick(earlier);
        const sender = this.random.chance(0.5)
          ? { msisdn: this.random.pick(this.o2.filter((m) => m !== first.sender.msisdn)), network: 'O2-UK' as const }
          : this.random.pick(this.others.filter((p) => p.msisdn !== first.sender.msisdn));
        const conflicting = { ...first, sender };
        insertAfter(first, { key: sender.msisdn, value: JSON.stringify(conflicting) });
      }
    }
  }

  private sameContentWrittenOtherwise(first: MessageInput): string {
    const style = this.random.int(0, 3);
    if (style === 1) {
      // The same fields in another order.
      const entries = Object.entries(first).reverse();
      return JSON.stringify(Object.fromEntries(entries));
    }
    if (style === 2 && (first.roamingCountry ?? null) === null) {
      // At home: null and absent mean the same (SPEC 2.1).
      const copy: Partial<MessageInput> = { ...first };
      if ('roamingCountry' in first) delete copy.roamingCountry;
      else copy.roamingCountry = null;
      return JSON.stringify(copy);
    }
    return JSON.stringify(first);
  }

  private otherContent(first: MessageInput): MessageInput {
    const change = this.random.int(0, 3);
    if (change === 0) return { ...first, sentAt: formatInstant(ms(first.sentAt) + 60_000) };
    if (change === 1) {
      const msisdn = first.recipient.msisdn;
      const otherRecipient = `${msisdn.slice(0, -1)}${msisdn.endsWith('9') ? '8' : '9'}`;
      return { ...first, recipient: { ...first.recipient, msisdn: otherRecipient } };
    }
    if (change === 2 && first.kind === 'MMS' && first.mms) {
      return { ...first, mms: { ...first.mms, content: [...first.mms.content, 'text'] } };
    }
    if (first.kind === 'SMS') return { ...first, kind: 'MMS', mms: this.mmsBody() };
    return { ...first, roamingCountry: (first.roamingCountry ?? null) === null ? 'FR' : null };
  }

  /** Inputs on and around the instants the tariff changes, and the instants balances are asked at. */
  private edgeMessages(phase: number): MessageInput[] {
    const messages: MessageInput[] = [];
    const o2Party = (msisdn: string): Party => ({ msisdn, network: 'O2-UK' });
    const vodafone = this.others.find((p) => p.network === 'VODAFONE-UK')!;
    const add = (
      sender: Party,
      recipient: Party,
      kind: Kind,
      sentAt: string,
      roamingCountry: string | null = null,
      messageId = this.messageId(kind, ms(sentAt)),
    ): void => {
      messages.push({
        messageId,
        kind,
        sentAt,
        sender,
        recipient,
        roamingCountry,
        ...(kind === 'MMS' ? { mms: this.mmsBody() } : {}),
      });
    };
    if (phase === 1) {
      const edges = [
        '2003-03-27T23:59:59Z',
        '2003-03-28T00:59:59+01:00',
        '2003-03-28T00:00:00Z',
        '2003-03-31T23:59:59Z',
        '2003-03-31T23:59:59.999Z',
        '2003-04-01T00:30:00+01:00',
        '2003-04-01T00:00:00Z',
        '2003-04-01T01:00:00+01:00',
      ];
      for (const sentAt of edges) {
        for (const msisdn of [this.o2[6], this.o2[7], this.o2[8], this.o2[9], this.o2[10]]) {
          add(o2Party(msisdn), { msisdn: `${PREFIX['VODAFONE-UK']}77777`, network: 'VODAFONE-UK' }, 'MMS', sentAt);
          add(o2Party(msisdn), o2Party(this.o2[20]), 'MMS', sentAt);
          add(o2Party(msisdn), { msisdn: `${PREFIX['ORANGE-UK']}77777`, network: 'ORANGE-UK' }, 'SMS', sentAt);
        }
        add(vodafone, o2Party(this.o2[6]), 'MMS', sentAt);
        add(vodafone, o2Party(this.o2[6]), 'SMS', sentAt);
      }
      // Ties on sentAt between messageIds that sort differently from the order they arrive in.
      for (const messageId of ['zz-last-but-first-sent', 'AA:first.by-id', 'MMSC9-20030401-000000', 'a'.repeat(128)]) {
        add(o2Party(this.o2[7]), o2Party(this.o2[21]), 'SMS', '2003-04-01T00:00:00Z', null, messageId);
      }
    }
    if (phase === 2) {
      for (const msisdn of [...this.tieBuyers, this.heavy[0]]) {
        for (const sentAt of ['2003-04-15T11:59:59.999Z', '2003-04-15T12:00:00Z', '2003-04-15T12:00:00.001Z']) {
          add(o2Party(msisdn), o2Party(this.o2[30]), this.random.chance(0.5) ? 'MMS' : 'SMS', sentAt);
        }
      }
    }
    if (phase === 3 || phase === 4) {
      for (const msisdn of [...this.heavy, this.o2[11], this.o2[12]]) {
        for (const sentAt of ['2003-05-31T23:59:59Z', '2003-06-01T00:00:00Z']) {
          add(o2Party(msisdn), o2Party(this.o2[31]), this.random.chance(0.5) ? 'MMS' : 'SMS', sentAt);
        }
      }
    }
    // Roaming: MMS in and out of the list, SMS anywhere, and MMS to "3" while roaming outside it (interconnect first).
    if (phase >= 1) {
      const sentAt = formatInstant(this.instantIn(WINDOWS[phase]));
      add(o2Party(this.o2[13]), o2Party(this.o2[14]), 'MMS', sentAt, 'US');
      add(o2Party(this.o2[13]), o2Party(this.o2[14]), 'MMS', sentAt, 'HK');
      add(o2Party(this.o2[13]), o2Party(this.o2[14]), 'SMS', sentAt, 'US');
      add(o2Party(this.o2[13]), { msisdn: `${PREFIX['THREE-UK']}77777`, network: 'THREE-UK' }, 'MMS', sentAt, 'BR');
      add(vodafone, o2Party(this.o2[13]), 'SMS', sentAt, 'US');
    }
    return messages;
  }

  private outbound(msisdn: string, atMs: number, isHeavy: boolean): MessageInput {
    const kind: Kind = this.random.chance(isHeavy ? 0.4 : 0.25) ? 'MMS' : 'SMS';
    const network = this.random.weighted<Network>([
      ['O2-UK', 40],
      ['VODAFONE-UK', 15],
      ['ORANGE-UK', 14],
      ['TMOBILE-UK', 14],
      ['THREE-UK', 9],
      ['OTHER', 8],
    ]);
    const roamingCountry = this.random.chance(0.08)
      ? this.random.chance(0.6)
        ? this.random.pick(ROAMING_ALLOWED)
        : this.random.pick(ROAMING_NOT_ALLOWED)
      : null;
    return this.message(kind, atMs, { msisdn, network: 'O2-UK' }, this.party(network), roamingCountry);
  }

  private fromOtherNetwork(sender: Party, atMs: number): MessageInput {
    const kind: Kind = this.random.chance(0.35) ? 'MMS' : 'SMS';
    const inbound = this.random.chance(0.75);
    const recipient = inbound ? this.party('O2-UK') : this.party(this.random.pick<Network>([...UK_OTHERS, 'OTHER']));
    const roamingCountry = this.random.chance(0.1) ? this.random.pick(ROAMING_NOT_ALLOWED) : null;
    return this.message(kind, atMs, sender, recipient, roamingCountry);
  }

  private message(
    kind: Kind,
    atMs: number,
    sender: Party,
    recipient: Party,
    roamingCountry: string | null,
  ): MessageInput {
    const style = this.random.weighted([
      ['plain', 80],
      ['millis', 8],
      ['bst', 8],
      ['eastern', 4],
    ] as const);
    const millis = style === 'millis' ? this.random.int(1, 999) : 0;
    const sentAt = formatInstant(atMs + millis, style === 'bst' ? 60 : style === 'eastern' ? -300 : 0);
    const input: MessageInput = {
      messageId: this.messageId(kind, atMs),
      kind,
      sentAt,
      sender,
      recipient,
      roamingCountry,
    };
    if (roamingCountry === null && this.random.chance(0.1)) delete input.roamingCountry;
    if (kind === 'MMS') input.mms = this.mmsBody();
    return input;
  }

  private mmsBody(): { sizeBytes: number; content: string[] } {
    const content = CONTENT_TYPES.filter(() => this.random.chance(0.5));
    return { sizeBytes: this.random.int(800, 300_000), content: content.length ? content : ['text'] };
  }

  private messageId(kind: Kind, atMs: number): string {
    const day = new Date(atMs).toISOString().slice(0, 10).replaceAll('-', '');
    const seq = pad(++this.messageSeq, 6);
    const centre = this.random.weighted([
      ['1', 6],
      ['2', 3],
      ['x', 1],
    ] as const);
    if (centre === 'x') return `${kind.toLowerCase()}c:${day}.${seq}`;
    return `${kind}C${centre}-${day}-${seq}`;
  }

  private party(network: Network): Party {
    if (network === 'O2-UK') return { msisdn: this.random.pick(this.o2), network };
    return { msisdn: `${PREFIX[network]}${pad(this.random.int(0, 99_999), 5)}`, network };
  }

  /** Mostly this phase's month; about one in twelve late, from an earlier month. */
  private messageInstant(phase: number): number {
    if (phase > 0 && this.random.chance(0.08)) return this.instantIn(WINDOWS[this.random.int(0, phase - 1)]);
    return this.instantIn(WINDOWS[phase]);
  }

  /** A whole second in the first three days of a window. */
  private earlyIn([from]: readonly [string, string]): number {
    return ms(from) + this.random.int(0, 3 * 86_400 - 1) * 1000;
  }

  /** A whole second in [from, to). */
  private instantIn([from, to]: readonly [string, string]): number {
    return ms(from) + this.random.int(0, (ms(to) - ms(from)) / 1000 - 1) * 1000;
  }
}

export function generateScenario(seed = 20030328): Scenario {
  return new ScenarioBuilder(seed).build();
}
