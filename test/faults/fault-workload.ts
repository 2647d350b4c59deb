import { createHash, randomBytes } from 'node:crypto';
import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { apiClient, eventually, onServerOf, type Environment } from '../support/ledger-harness.js';

const { Kafka, logLevel } = kafkajs;

/**
 * What the fault tests produce and what the ledger must then hold, worked out here from the
 * records alone (SPEC sections 3 and 4), never from what the service reports.
 */

export type Expectation =
  | { readonly kind: 'message'; readonly messageId: string }
  | { readonly kind: 'repeat'; readonly messageId: string }
  | { readonly kind: 'purchase'; readonly purchaseId: string }
  | { readonly kind: 'unreadable'; readonly what: string };

export interface OutgoingRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly expect: Expectation;
}

/** A record as the broker stored it: where it landed, by the producer's own acknowledgement. */
export interface PlacedRecord extends OutgoingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

interface ExpectedCharge {
  readonly msisdn: string;
  readonly units: number;
  readonly pence: number;
}

interface ExpectedBoltOn {
  readonly msisdn: string;
  readonly units: number;
  readonly pricePence: number;
  unitsUsed: number;
}

export interface Workload {
  /** Bolt-on purchases (and a couple of unreadable records) for retail.bolt-on-purchased.v1, produced first. */
  readonly purchases: OutgoingRecord[];
  /** The message stream for network.message-sent.v1, in production order. */
  readonly messages: OutgoingRecord[];
  readonly expectedCharges: ReadonlyMap<string, ExpectedCharge>;
  readonly expectedBoltOns: ReadonlyMap<string, ExpectedBoltOn>;
}

export interface WorkloadOptions {
  messages: number;
  subscribers: number;
  /** One unreadable record in this many. */
  unreadableEvery?: number;
  /** One exact repeat of an earlier record in this many. */
  repeatEvery?: number;
}

const BOLT_ONS = {
  GBP3: { units: 50, pricePence: 300 },
  GBP5: { units: 100, pricePence: 500 },
  GBP16: { units: 400, pricePence: 1600 },
};
const PAYG = { SMS: 10, MMS: 35 } as const;
const UNITS = { SMS: 1, MMS: 4 } as const;
const PARTNERS = ['O2-UK', 'VODAFONE-UK', 'ORANGE-UK', 'TMOBILE-UK'] as const;
const ROAMING = [null, null, null, 'DE', 'FR'] as const;

/**
 * A reproducible mix: ~500 subscribers of whom three in four hold bolt-ons (some two, used oldest
 * first and spanning), SMS and MMS that run some bolt-ons dry, exact repeats, and unreadable records.
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  const tag = randomBytes(3).toString('hex');
  const unreadableEvery = options.unreadableEvery ?? 200;
  const repeatEvery = options.repeatEvery ?? 97;
  const msisdns = Array.from({ length: options.subscribers }, (_, index) => `4477001${String(index).padStart(5, '0')}`);

  const purchases: OutgoingRecord[] = [];
  const holdings = new Map<string, { purchaseId: string; units: number; remaining: number }[]>();
  const expectedBoltOns = new Map<string, ExpectedBoltOn>();
  const buy = (msisdn: string, boltOn: keyof typeof BOLT_ONS, purchasedAt: string, n: number): void => {
    const purchaseId = `P-${tag}-${msisdn}-${n}`;
    const offer = BOLT_ONS[boltOn];
    purchases.push({
      key: msisdn,
      value: json({ purchaseId, msisdn, boltOn, purchasedAt }),
      expect: { kind: 'purchase', purchaseId },
    });
    // Purchases of one subscriber are produced oldest first, which is also the order units are drawn in.
    holdings.set(msisdn, [...(holdings.get(msisdn) ?? []), { purchaseId, units: offer.units, remaining: offer.units }]);
    expectedBoltOns.set(purchaseId, { msisdn, units: offer.units, pricePence: offer.pricePence, unitsUsed: 0 });
  };
  msisdns.forEach((msisdn, index) => {
    switch (index % 4) {
      case 1:
        buy(msisdn, 'GBP3', '2003-04-01T09:00:00Z', 1);
        break;
      case 2:
        buy(msisdn, 'GBP3', '2003-04-01T09:00:00Z', 1);
        buy(msisdn, 'GBP5', '2003-04-01T09:30:00Z', 2);
        break;
      case 3:
        buy(msisdn, 'GBP16', '2003-04-01T10:00:00Z', 1);
        break;
      default:
        break; // pay as you go only
    }
  });
  purchases.splice(purchases.length >> 1, 0, {
    key: msisdns[0],
    value: Buffer.from(`{"purchaseId": "P-${tag}-broken", "msisdn": `),
    expect: { kind: 'unreadable', what: 'purchase, truncated JSON' },
  });
  purchases.push({
    key: msisdns[1],
    value: json({ purchaseId: `P-${tag}-nomsisdn`, boltOn: 'GBP3', purchasedAt: '2003-04-01T09:00:00Z' }),
    expect: { kind: 'unreadable', what: 'purchase without msisdn' },
  });

  const messages: OutgoingRecord[] = [];
  const expectedCharges = new Map<string, ExpectedCharge>();
  const sent: OutgoingRecord[] = [];
  const start = Date.UTC(2003, 3, 2, 0, 0, 0);
  for (let index = 0; index < options.messages; index += 1) {
    if (index > 0 && index % unreadableEvery === 0) {
      messages.push(unreadableRecord(tag, index, index / unreadableEvery, msisdns[index % msisdns.length]));
      continue;
    }
    if (index > 0 && index % repeatEvery === 0 && sent.length > 10) {
      const first = sent[(index * 7919) % sent.length];
      messages.push({
        ...first,
        expect: { kind: 'repeat', messageId: (first.expect as { messageId: string }).messageId },
      });
      continue;
    }
    const msisdn = msisdns[(index * 31) % msisdns.length];
    // A quarter MMS, mixed within each subscriber's stream.
    const kind = createHash('md5').update(`${index}`).digest()[0] < 64 ? 'MMS' : 'SMS';
    const messageId = `M-${tag}-${index}`;
    const record: OutgoingRecord = {
      key: msisdn,
      value: json({
        messageId,
        kind,
        sentAt: new Date(start + index * 1000).toISOString(),
        sender: { msisdn, network: 'O2-UK' },
        recipient: {
          msisdn: `4478009${String(index % 100000).padStart(5, '0')}`,
          network: PARTNERS[Math.floor(index / 3) % PARTNERS.length],
        },
        roamingCountry: ROAMING[index % ROAMING.length],
        ...(kind === 'MMS' ? { mms: { sizeBytes: 1000 + index, content: ['image', 'text'] } } : {}),
      }),
      expect: { kind: 'message', messageId },
    };
    messages.push(record);
    sent.push(record);
    expectedCharges.set(messageId, rate(msisdn, kind, holdings.get(msisdn) ?? [], expectedBoltOns));
  }
  return { purchases, messages, expectedCharges, expectedBoltOns };
}

/** SPEC rules 5 and 6 for one outbound message, on the holdings as they stand; draws the units. */
function rate(
  msisdn: string,
  kind: 'SMS' | 'MMS',
  holdings: { purchaseId: string; units: number; remaining: number }[],
  boltOns: Map<string, ExpectedBoltOn>,
): ExpectedCharge {
  const needed = UNITS[kind];
  if (holdings.reduce((sum, holding) => sum + holding.remaining, 0) < needed)
    return { msisdn, units: 0, pence: PAYG[kind] };
  let outstanding = needed;
  for (const holding of holdings) {
    const units = Math.min(outstanding, holding.remaining);
    holding.remaining -= units;
    boltOns.get(holding.purchaseId)!.unitsUsed += units;
    outstanding -= units;
  }
  return { msisdn, units: needed, pence: 0 };
}

function unreadableRecord(tag: string, index: number, ordinal: number, msisdn: string): OutgoingRecord {
  switch (ordinal % 5) {
    case 0:
      return {
        key: msisdn,
        value: Buffer.from(`not json ${tag} ${index}`),
        expect: { kind: 'unreadable', what: 'not JSON' },
      };
    case 1:
      return {
        key: msisdn,
        value: Buffer.from([0xff, 0xfe, 0xc3, 0x28, index & 0xff, index >> 8]),
        expect: { kind: 'unreadable', what: 'not UTF-8' },
      };
    case 2:
      return { key: msisdn, value: null, expect: { kind: 'unreadable', what: 'tombstone' } };
    case 3:
      return {
        key: null,
        value: json({ kind: 'SMS', sentAt: '2003-04-02T10:15:00Z', sender: { msisdn, network: 'O2-UK' }, index }),
        expect: { kind: 'unreadable', what: 'no messageId' },
      };
    default:
      return { key: msisdn, value: Buffer.from(`[${index}]`), expect: { kind: 'unreadable', what: 'JSON array' } };
  }
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** Per-key order is what rating relies on: a key always goes to the same partition. */
export function partitionOf(key: string | null, fallback: number, partitions: number): number {
  if (key === null) return fallback % partitions;
  return createHash('md5').update(key).digest()[0] % partitions;
}

/**
 * The upstream systems: an idempotent producer (a retried send is never written twice) that
 * places each record on an explicit partition and keeps the offset the broker acknowledged.
 */
export class FaultProducer {
  readonly placed: PlacedRecord[] = [];
  /** Records sent again because kafkajs resolved a send with no answer for their partition. */
  unanswered = 0;
  private paused: Promise<void> | null = null;
  private resumeGate: (() => void) | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();
  private sequence = 0;

  private constructor(
    private readonly producer: kafkajs.Producer,
    private readonly partitions: number,
    private readonly offsetsFromKafka: boolean,
  ) {}

  /** offsetsFromKafka: the test reads the topics back (a broker may die under a request), so acknowledgements may lack offsets. */
  static async connect(environment: Environment, offsetsFromKafka = false): Promise<FaultProducer> {
    const kafka = new Kafka({
      clientId: 'fault-upstream',
      brokers: environment.env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 300, retries: 30, maxRetryTime: 5_000 },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new FaultProducer(producer, Number(environment.env.KAFKA_TOPIC_PARTITIONS), offsetsFromKafka);
  }

  /** Sends records in order, in chunks, one request at a time; waits while paused. */
  async send(topic: string, records: readonly OutgoingRecord[], chunk = 250, gapMs = 0): Promise<void> {
    for (let start = 0; start < records.length; start += chunk) {
      if (this.paused) await this.paused;
      let slice = records.slice(start, start + chunk).map((record) => ({
        record,
        partition: partitionOf(record.key, this.sequence++, this.partitions),
      }));
      // kafkajs 2.2.4 can resolve a send without an answer for some of its partitions: when a broker
      // dies under a request whose other partitions another broker already answered, and the dead
      // one's partitions move to that broker, its retry sends them nowhere (producer/sendMessages.js
      // retries only the brokers without a response). Those records were never acknowledged: they
      // go again. The producer rewound its sequence numbers for them, so a copy that did land
      // before the broker died is recognised by the new leader and not written twice.
      for (let attempt = 1; slice.length > 0; attempt += 1) {
        if (attempt > 10) throw new Error(`${slice.length} records to ${topic} still unanswered after 10 sends`);
        const sending = this.producer.send({
          topic,
          acks: -1,
          messages: slice.map(({ record, partition }) => ({ key: record.key, value: record.value, partition })),
        });
        this.inFlight = sending.catch(() => undefined);
        const metadata = await sending;
        const next = new Map(
          metadata.map((entry) => [entry.partition, BigInt(entry.baseOffset ?? entry.offset ?? '-1')]),
        );
        const unanswered: typeof slice = [];
        for (const item of slice) {
          const { record, partition } = item;
          const offset = next.get(partition);
          if (offset === undefined) {
            unanswered.push(item);
            continue;
          }
          if (offset < 0n) {
            // An idempotent retry answered as a duplicate carries no offset; only a test that reads the topic back may accept that.
            if (!this.offsetsFromKafka) throw new Error(`no offset acknowledged for ${topic}[${partition}]`);
            this.placed.push({ ...record, topic, partition, offset: -1n });
            continue;
          }
          next.set(partition, offset + 1n);
          this.placed.push({ ...record, topic, partition, offset });
        }
        this.unanswered += unanswered.length;
        slice = unanswered;
      }
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }

  /** Holds the next chunk back and resolves once no send is in flight. */
  async pause(): Promise<void> {
    this.paused ??= new Promise((resolve) => (this.resumeGate = resolve));
    await this.inFlight;
  }

  resume(): void {
    this.resumeGate?.();
    this.paused = null;
    this.resumeGate = null;
  }

  async close(): Promise<void> {
    this.resume();
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** How many records each partition holds, by what the producer was acknowledged. */
export function producedCounts(placed: readonly PlacedRecord[]): Map<string, bigint> {
  const counts = new Map<string, bigint>();
  for (const record of placed) {
    const key = `${record.topic}:${record.partition}`;
    counts.set(key, (counts.get(key) ?? 0n) + 1n);
  }
  return counts;
}

/** The sum, over the partitions, of what the ledger has durably recorded (its own offsets table). */
export async function recordedSoFar(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ n: string | null }>('SELECT sum(next_offset) AS n FROM ingest_offsets');
  return Number(result.rows[0].n ?? 0);
}

/**
 * Waits until the ledger's offsets in Postgres stand at the end of every partition produced to,
 * and until GET /v1/ingest shows no lag anywhere.
 */
export async function waitUntilConsumed(
  pool: pg.Pool,
  placed: readonly PlacedRecord[],
  url: string | null,
  timeoutMs = 120_000,
): Promise<void> {
  const expected = producedCounts(placed);
  const deadline = Date.now() + timeoutMs;
  let behind: string[] = ['nothing read yet'];
  while (behind.length > 0) {
    try {
      const rows = await pool.query<{ topic: string; partition: number; next_offset: string }>(
        'SELECT topic, partition, next_offset FROM ingest_offsets',
      );
      const recorded = new Map(rows.rows.map((row) => [`${row.topic}:${row.partition}`, BigInt(row.next_offset)]));
      behind = [];
      for (const [key, count] of expected) {
        const next = recorded.get(key) ?? 0n;
        // An offset past what was produced means records skipped: fail now rather than by timeout.
        if (next > count)
          throw new Error(`${key} is recorded up to offset ${next} but only ${count} records were produced`);
        if (next < count) behind.push(`${key} at ${next} of ${count}`);
      }
    } catch (error) {
      if ((error as Error).message.includes('were produced')) throw error;
      behind = [`offsets not readable: ${(error as Error).message}`];
    }
    if (behind.length === 0) break;
    if (Date.now() > deadline) throw new Error(`not consumed within ${timeoutMs} ms: ${behind.join('; ')}`);
    await sleep(250);
  }
  if (url === null) return;
  await eventually(async () => {
    const ingest = await apiClient(url).get('/v1/ingest');
    expect(ingest.status).toBe(200);
    const lagging = ingest.body.partitions.filter((partition: { lag: string }) => partition.lag !== '0');
    expect(lagging).toEqual([]);
  }, 30_000);
}

/**
 * SPEC section 6 against the workload: each valid input exactly one event (and one charge with
 * the units and pence the rules give in production order), each unreadable record exactly one
 * rejection with its raw bytes, nothing else, and the bolt-on sums hold.
 */
export async function exactlyOnceProblems(
  pool: pg.Pool,
  workload: Workload,
  placed: readonly PlacedRecord[],
): Promise<string[]> {
  const problems: string[] = [];
  const report = (list: string[], what: string): void => {
    if (list.length > 0) problems.push(`${list.length} ${what}, e.g. ${list.slice(0, 5).join(', ')}`);
  };

  // What was produced, as acknowledged by the broker: offsets 0..n-1 on every partition, nothing written twice.
  const byPartition = new Map<string, bigint[]>();
  for (const record of placed) {
    const key = `${record.topic}:${record.partition}`;
    // Appended in place: copying the list for each record made this check quadratic (minutes at 200,000).
    const offsets = byPartition.get(key) ?? [];
    offsets.push(record.offset);
    byPartition.set(key, offsets);
  }
  for (const [key, offsets] of byPartition) {
    const sorted = [...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (sorted.some((offset, index) => offset !== BigInt(index)))
      problems.push(`${key}: produced offsets are not 0..${offsets.length - 1}`);
  }

  const expectedKeys = new Set<string>();
  for (const { expect: expectation } of placed) {
    if (expectation.kind === 'message' || expectation.kind === 'repeat')
      expectedKeys.add(`message:${expectation.messageId}`);
    if (expectation.kind === 'purchase') expectedKeys.add(`purchase:${expectation.purchaseId}`);
  }
  const events = await pool.query<{ idempotency_key: string; n: string }>(
    'SELECT idempotency_key, count(*) AS n FROM events GROUP BY idempotency_key',
  );
  const eventKeys = new Map(events.rows.map((row) => [row.idempotency_key, Number(row.n)]));
  report(
    [...expectedKeys].filter((key) => !eventKeys.has(key)),
    'inputs without an event (lost)',
  );
  report(
    [...eventKeys].filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`),
    'inputs with more than one event (doubled)',
  );
  report(
    [...eventKeys.keys()].filter((key) => !expectedKeys.has(key)),
    'events for no input produced',
  );
  const totalEvents = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0].n);
  if (totalEvents !== expectedKeys.size)
    problems.push(`${totalEvents} events for ${expectedKeys.size} distinct valid inputs`);

  const charges = await pool.query<{
    message_id: string;
    status: string;
    units: number;
    pence: number;
    sender_msisdn: string;
  }>('SELECT message_id, status, units, pence, sender_msisdn FROM charges');
  const seen = new Set<string>();
  const wrong: string[] = [];
  for (const row of charges.rows) {
    seen.add(row.message_id);
    const expected = workload.expectedCharges.get(row.message_id);
    if (!expected) wrong.push(`${row.message_id} was never produced`);
    else if (row.status !== 'CHARGED' || row.units !== expected.units || row.pence !== expected.pence) {
      wrong.push(
        `${row.message_id}: ${row.status} ${row.units}u ${row.pence}p, expected CHARGED ${expected.units}u ${expected.pence}p`,
      );
    }
  }
  report(wrong, 'charges that differ from the rules applied in production order');
  const producedMessages = new Set(placed.flatMap(({ expect: e }) => (e.kind === 'message' ? [e.messageId] : [])));
  report(
    [...producedMessages].filter((id) => !seen.has(id)),
    'produced messages without a charge',
  );
  if (charges.rows.length !== producedMessages.size)
    problems.push(`${charges.rows.length} charges for ${producedMessages.size} distinct messages`);

  const unreadable = new Map(
    placed
      .filter(({ expect: e }) => e.kind === 'unreadable')
      .map((record) => [`${record.topic}:${record.partition}:${record.offset}`, record]),
  );
  const rejections = await pool.query<{
    topic: string;
    partition: number;
    offset: string;
    payload: Buffer;
    source: string;
    key: Buffer | null;
  }>('SELECT source, topic, partition, "offset", key, payload FROM rejections');
  const rejectedAt = new Map<string, number>();
  const badPayload: string[] = [];
  for (const row of rejections.rows) {
    const position = `${row.topic}:${row.partition}:${row.offset}`;
    rejectedAt.set(position, (rejectedAt.get(position) ?? 0) + 1);
    const record = unreadable.get(position);
    // The key is kept as the record's bytes.
    const key = row.key === null ? null : row.key.toString('utf8');
    if (record && (!row.payload.equals(record.value ?? Buffer.alloc(0)) || key !== record.key))
      badPayload.push(position);
  }
  report(
    [...unreadable.keys()].filter((position) => !rejectedAt.has(position)),
    'unreadable records without a rejection (lost)',
  );
  report(
    [...rejectedAt].filter(([, n]) => n > 1).map(([position, n]) => `${position} x${n}`),
    'records rejected more than once',
  );
  report(
    [...rejectedAt.keys()].filter((position) => !unreadable.has(position)),
    'rejections of records that were readable',
  );
  report(badPayload, 'rejections whose key or raw bytes differ from the record');
  if (rejections.rows.length !== unreadable.size)
    problems.push(`${rejections.rows.length} rejections for ${unreadable.size} unreadable records`);

  const boltOns = await pool.query<{
    purchase_id: string;
    units: number;
    units_remaining: number;
    price_pence: number;
    recognised_pence: number;
    allocated_units: string;
    allocated_pence: string;
  }>(
    `SELECT b.purchase_id, b.units, b.units_remaining, b.price_pence, b.recognised_pence,
            coalesce(sum(a.units), 0) AS allocated_units, coalesce(sum(a.recognised_pence), 0) AS allocated_pence
       FROM bolt_ons b LEFT JOIN allocations a ON a.purchase_id = b.purchase_id
      GROUP BY b.purchase_id`,
  );
  const sums: string[] = [];
  const usage: string[] = [];
  for (const row of boltOns.rows) {
    if (row.units_remaining + Number(row.allocated_units) !== row.units) {
      sums.push(`${row.purchase_id}: ${row.units_remaining} left + ${row.allocated_units} allocated != ${row.units}`);
    }
    if (row.recognised_pence !== Number(row.allocated_pence)) {
      sums.push(`${row.purchase_id}: recognised ${row.recognised_pence}p != ${row.allocated_pence}p allocated`);
    }
    const expected = workload.expectedBoltOns.get(row.purchase_id);
    const recognised = expected ? Math.floor((expected.pricePence * expected.unitsUsed) / expected.units) : -1;
    if (!expected || row.units - row.units_remaining !== expected.unitsUsed || row.recognised_pence !== recognised) {
      usage.push(
        `${row.purchase_id}: used ${row.units - row.units_remaining}, recognised ${row.recognised_pence}p; expected ${expected?.unitsUsed} and ${recognised}p`,
      );
    }
  }
  report(sums, 'bolt-ons whose sums do not hold');
  report(usage, 'bolt-ons used otherwise than the rules say');
  const purchased = placed.filter(({ expect: e }) => e.kind === 'purchase').length;
  if (boltOns.rows.length !== purchased) problems.push(`${boltOns.rows.length} bolt-ons for ${purchased} purchases`);
  return problems;
}

/** The topics of one environment, by their contract names. */
export function inputTopics(environment: Environment): { messageSent: string; boltOnPurchased: string } {
  return {
    messageSent: environment.topic(TOPICS.messageSent),
    boltOnPurchased: environment.topic(TOPICS.boltOnPurchased),
  };
}

/** Drops an environment's database once its services are gone (KEEP_TEST_DATABASE keeps it). */
export async function dropDatabase(environment: Environment): Promise<void> {
  if (process.env.KEEP_TEST_DATABASE) return;
  await onServerOf(environment, (database) => `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}

/** A pool for the test's own queries; survives its connections being cut under it. */
export function testPool(environment: Environment): pg.Pool {
  const pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 3, application_name: 'fault-test' });
  pool.on('error', () => undefined);
  return pool;
}

/** A line for the timeline printed with FAULTS_VERBOSE=1. */
export function timeline(label: string): { note(line: string): void; print(): void } {
  const started = Date.now();
  const lines: string[] = [];
  return {
    note: (line) => lines.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`),
    print: () => {
      if (process.env.FAULTS_VERBOSE) process.stderr.write(`\n[${label}]\n${lines.join('\n')}\n`);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The seed of the fault timings: FAULT_SEED replays a failed run's kill and cut instants. */
export const FAULT_SEED = faultSeed(process.env.FAULT_SEED);
process.stderr.write(`fault timings: FAULT_SEED=${FAULT_SEED} (set it to replay this run's timings)\n`);

export function faultSeed(given: string | undefined): number {
  if (given === undefined || given === '') return randomBytes(4).readUInt32BE(0);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`FAULT_SEED must be an integer from 0 to 4294967295, not ${JSON.stringify(given)}`);
  }
  return seed;
}

/** mulberry32: a tiny seeded generator, so the same seed gives the same timings in the same order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const faultRandom = seededRandom(FAULT_SEED);
export const between = (low: number, high: number): number => Math.round(low + faultRandom() * (high - low));
