import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@ledger/contracts';
import { DEFAULT_TARIFF_FILE } from '@ledger/rating';
import kafkajs from 'kafkajs';
import pg from 'pg';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';
import {
  datesFrom,
  REFERENCE_TARIFF,
  ReferenceLedger,
  type ExpectedCharge,
  type MessageInput,
} from '../scenario/reference-ledger.js';
import {
  AS_AT_INSTANTS,
  CHARGES_WINDOW,
  generateScenario,
  type ScenarioPhase,
} from '../scenario/scenario-generator.js';
import { differences, highWatermarks, inPool } from '../scenario/scenario-support.js';

const { Kafka, logLevel } = kafkajs;

const MESSAGE_TOPIC = 'network.message-sent.v1';
const PURCHASE_TOPIC = 'retail.bolt-on-purchased.v1';
const FROM = '2003-01-01T00:00:00Z';
const SCENARIO_DAYS = { from: '2003-02-01', to: '2003-06-30' };
const CHECK_TIMEOUT_MS = 90_000;

/**
 * The tariff the ledger was started with by mistake: the Vodafone UK agreement entered from
 * 10 April instead of 28 March, and half-price MMS from 8 April instead of 1 April.
 */
const WRONG = {
  vodafoneFrom: '2003-04-10T00:00:00Z',
  mmsHalfPriceFrom: '2003-04-08T00:00:00Z',
};
const WRONG_REFERENCE_TARIFF = {
  ...REFERENCE_TARIFF,
  mmsHalfPriceFrom: WRONG.mmsHalfPriceFrom,
  mmsInterconnectFrom: { ...REFERENCE_TARIFF.mmsInterconnectFrom, 'VODAFONE-UK': WRONG.vodafoneFrom },
};

function wrongTariffDocument(): Record<string, unknown> {
  const document = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as {
    version: string;
    paygPrices: { kind: string; effectiveFrom: string; effectiveUntil: string | null }[];
    mmsInterconnects: { network: string; effectiveFrom: string }[];
  };
  document.version = '2003-04-01.wrong';
  for (const price of document.paygPrices) {
    if (price.kind !== 'MMS') continue;
    if (price.effectiveUntil !== null) price.effectiveUntil = WRONG.mmsHalfPriceFrom;
    else price.effectiveFrom = WRONG.mmsHalfPriceFrom;
  }
  for (const agreement of document.mmsInterconnects) {
    if (agreement.network === 'VODAFONE-UK') agreement.effectiveFrom = WRONG.vodafoneFrom;
  }
  return document;
}

interface Outcome {
  status: string;
  reason: string | null;
  units: number;
  pence: number;
  allocations: { purchaseId: string; units: number; recognisedPence: number }[];
}

interface RunBody {
  runId: string;
  status: 'DRY_RUN' | 'APPLIED';
  from: string;
  reason: string;
  tariffVersion: number;
  messagesExamined: number;
  messagesChanged: number;
  penceDelta: number;
  unitsDelta: number;
  days: { date: string; paygPenceDelta: number; recognisedBoltOnPenceDelta: number }[];
  changes: { messageId: string; before: Outcome; after: Outcome }[];
}

interface FeedRecord {
  key: string;
  body: Record<string, unknown> & { messageId: string; correction?: { runId: string; before: Outcome } };
}

describe('correcting a wrong tariff by appending: a new tariff version, a dry run, an apply', () => {
  const environment = isolatedEnvironment('corrections');
  const scenario = generateScenario(20030401);
  // The independent calculation under the right tariff, and the same inputs under the wrong one.
  const right = new ReferenceLedger(REFERENCE_TARIFF);
  const wrong = new ReferenceLedger(WRONG_REFERENCE_TARIFF);
  const brokers = environment.env.KAFKA_BROKERS;
  const kafka = new Kafka({ clientId: 'corrections-feed', brokers: [brokers], logLevel: logLevel.NOTHING });
  const feed: FeedRecord[] = [];
  const tariffDirectory = mkdtempSync(join(tmpdir(), 'ledger-wrong-tariff-'));
  const lastPhase = scenario.phases[scenario.phases.length - 1];
  let ledger: RunningLedger;
  let network: Upstream;
  let api: ReturnType<typeof apiClient>;
  let pool: pg.Pool;
  let consumer: kafkajs.Consumer;
  let newVersion: number;
  let dryRun: RunBody;
  let applied: RunBody;
  let wrongBeforeLastPhase: Map<string, Outcome>;

  const drained = async (name: string): Promise<void> => {
    const topic = environment.topic(name);
    const ends = await highWatermarks(brokers, topic);
    await eventually(
      async () => {
        const ingest = await api.get<{ partitions: { topic: string; partition: number; nextOffset: string }[] }>(
          '/v1/ingest',
        );
        const behind = [...ends].filter(([partition, end]) => {
          const position = ingest.body.partitions.find((p) => p.topic === topic && p.partition === partition);
          return !position || BigInt(position.nextOffset) < end;
        });
        expect(behind).toEqual([]);
      },
      60_000,
      150,
    );
  };

  const playPurchases = async (phase: ScenarioPhase): Promise<void> => {
    for (const purchase of phase.kafkaPurchases) {
      right.recordPurchase(purchase);
      wrong.recordPurchase(purchase);
    }
    await network.send(
      environment.topic(PURCHASE_TOPIC),
      phase.kafkaPurchases.map((purchase) => ({ key: purchase.msisdn, value: JSON.stringify(purchase) })),
    );
    await drained(PURCHASE_TOPIC);
    for (const purchase of phase.apiPurchases) {
      right.recordPurchase(purchase, 'api');
      wrong.recordPurchase(purchase, 'api');
      const { purchaseId, boltOn, purchasedAt } = purchase;
      await api.post(`/v1/subscribers/${purchase.msisdn}/bolt-ons`, { purchaseId, boltOn, purchasedAt });
    }
  };

  const sendMessages = async (phase: ScenarioPhase): Promise<void> => {
    for (const record of phase.messages) {
      right.recordMessage(JSON.parse(record.value) as MessageInput);
      wrong.recordMessage(JSON.parse(record.value) as MessageInput);
    }
    for (let start = 0; start < phase.messages.length; start += 250) {
      await network.send(environment.topic(MESSAGE_TOPIC), phase.messages.slice(start, start + 250));
    }
  };

  beforeAll(async () => {
    const tariffFile = join(tariffDirectory, 'wrong-tariff.json');
    writeFileSync(tariffFile, JSON.stringify(wrongTariffDocument()));
    ledger = await startLedger({ ...environment, env: { ...environment.env, TARIFF_FILE: tariffFile } });
    // The harness copies the environment into this process: the next test file must not inherit the file.
    delete process.env.TARIFF_FILE;
    network = await upstream();
    api = apiClient(ledger.url);
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
    await eventually(async () => {
      expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200);
    }, 30_000);
    consumer = kafka.consumer({ groupId: `corrections-feed-${environment.prefix}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [environment.topic(TOPICS.messageRated)], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        feed.push({ key: message.key!.toString(), body: JSON.parse(message.value!.toString()) as FeedRecord['body'] });
        return Promise.resolve();
      },
    });
    for (const phase of scenario.phases.slice(0, -1)) {
      await playPurchases(phase);
      await sendMessages(phase);
      await drained(MESSAGE_TOPIC);
    }
    await playPurchases(lastPhase);
    wrongBeforeLastPhase = new Map(wrong.messageIds().map((id) => [id, outcomeIn(wrong, id)]));
  }, 150_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await pool?.end();
    await network?.close();
    await ledger?.close();
    rmSync(tariffDirectory, { recursive: true, force: true });
  });

  it('rated the scenario with the wrong tariff as version 1: the mistake is there to correct', async () => {
    const current = await api.get<{ version: number; tariff: { version: string } }>('/v1/tariff');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ version: 1, tariff: { version: '2003-04-01.wrong' } });
    const changed = [...wrongBeforeLastPhase].filter(([id, outcome]) => !sameOutcome(outcome, outcomeIn(right, id)));
    expect(changed.length).toBeGreaterThan(50);
    const sample = changed[0][0];
    const charge = await api.get<ExpectedCharge & { tariffVersion: number }>(`/v1/messages/${sample}`);
    expect(charge.body).toMatchObject({ ...wrong.charge(sample), tariffVersion: 1, corrections: [] });
  });

  it('stores the right tariff as version 2, in force for what is rated next, and refuses a bad one naming it', async () => {
    const document = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as Record<string, unknown>;
    const bad = await api.post('/v1/tariff/versions', { ...document, paygPrices: [] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/paygPrices/);
    const refused = await apiClient(ledger.url, 'test-finance-key-0001').post('/v1/tariff/versions', document);
    expect(refused.status).toBe(403);

    const stored = await api.post<{ version: number; createdAt: string }>('/v1/tariff/versions', document);
    expect(stored.status).toBe(201);
    expect(stored.body.version).toBe(2);
    newVersion = stored.body.version;
    const versions = await api.get<{ versions: { version: number; createdAt: string }[] }>('/v1/tariff/versions');
    expect(versions.body.versions.map((v) => v.version)).toEqual([1, 2]);
    await eventually(async () => {
      expect((await api.get<{ version: number }>('/v1/tariff')).body.version).toBe(2);
    }, 6_000);
  });

  it('answers a dry run with exactly the impact the right tariff has, appending nothing', async () => {
    const before = await countEvents();
    const run = await api.post<RunBody>('/v1/rerating-runs', { from: FROM, reason: 'Vodafone date and MMS price' });
    expect(run.status).toBe(201);
    dryRun = run.body;
    expect(await countEvents()).toEqual(before);

    const expected = expectedImpact(wrongBeforeLastPhase);
    expect(dryRun).toMatchObject({
      status: 'DRY_RUN',
      from: FROM,
      reason: 'Vodafone date and MMS price',
      tariffVersion: newVersion,
      messagesExamined: wrongBeforeLastPhase.size,
      messagesChanged: expected.changed.length,
      penceDelta: expected.penceDelta,
      unitsDelta: expected.unitsDelta,
    });
    expect(Object.fromEntries(dryRun.days.map((day) => [day.date, day]))).toEqual(expected.days);
    expect(dryRun.changes).toHaveLength(Math.min(1000, expected.changed.length));
    for (const change of dryRun.changes.slice(0, 200)) {
      expect(change).toEqual({
        messageId: change.messageId,
        before: wrongBeforeLastPhase.get(change.messageId),
        after: outcomeIn(right, change.messageId),
      });
    }
    const listed = await api.get<{ items: { runId: string; status: string }[] }>('/v1/rerating-runs');
    expect(listed.body.items).toContainEqual(expect.objectContaining({ runId: dryRun.runId, status: 'DRY_RUN' }));
  });

  it(
    'applies the run while ingest goes on, appending one MessageRerated per changed message, once',
    async () => {
      const sending = sendMessages(lastPhase);
      const answer = await api.post<RunBody>(`/v1/rerating-runs/${dryRun.runId}/apply`, {});
      await sending;
      expect(answer.status).toBe(200);
      applied = answer.body;
      expect(applied.status).toBe('APPLIED');
      // Everything the dry run found changed again; what arrived since may add to it, never take away.
      const appliedIds = new Set(applied.changes.map((change) => change.messageId));
      expect(dryRun.changes.filter((change) => !appliedIds.has(change.messageId))).toEqual([]);
      const arrivedSince = new Set(
        lastPhase.messages.map((record) => (JSON.parse(record.value) as MessageInput).messageId),
      );
      expect(
        applied.changes.filter(
          (c) => !dryRun.changes.some((d) => d.messageId === c.messageId) && !arrivedSince.has(c.messageId),
        ),
      ).toEqual([]);
      expect(applied.messagesChanged).toBeGreaterThanOrEqual(dryRun.messagesChanged);
      const rerated = await pool.query<{ count: string }>(
        `SELECT count(*) FROM events WHERE event_type = 'MessageRerated' AND data->>'runId' = $1`,
        [dryRun.runId],
      );
      expect(Number(rerated.rows[0].count)).toBe(applied.messagesChanged);

      const again = await api.post<RunBody>(`/v1/rerating-runs/${dryRun.runId}/apply`, {});
      expect(again.status).toBe(200);
      expect(again.body).toEqual(applied);
      expect(await countEvents('MessageRerated')).toBe(applied.messagesChanged);
      expect((await api.get<RunBody>(`/v1/rerating-runs/${dryRun.runId}`)).body).toEqual(applied);
      await drained(MESSAGE_TOPIC);
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'shows every charge as the right tariff rates it, with its corrections and the version that decided it',
    async () => {
      const mismatches: string[] = [];
      await inPool(right.messageIds(), 16, async (messageId) => {
        const actual = await api.get<Record<string, unknown>>(`/v1/messages/${encodeURIComponent(messageId)}`);
        const { tariffVersion, corrections, ...charge } = actual.body;
        mismatches.push(...differences(right.charge(messageId), charge, messageId));
        const correction = applied.changes.find((change) => change.messageId === messageId);
        const wasChanged = correction !== undefined;
        if (wasChanged) {
          mismatches.push(
            ...differences(
              [{ runId: dryRun.runId, before: correction.before }],
              corrections,
              `${messageId}.corrections`,
            ),
          );
          if (tariffVersion !== newVersion) mismatches.push(`${messageId}: tariffVersion ${String(tariffVersion)}`);
        }
      });
      expect(mismatches.slice(0, 20)).toEqual([]);
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'answers every balance now and as at past instants, and every charges page, as the right tariff does',
    async () => {
      const mismatches: string[] = [];
      const subscribers = allSubscribers();
      await inPool(subscribers, 16, async (msisdn) => {
        for (const at of [undefined, ...AS_AT_INSTANTS]) {
          const actual = await api.get(`/v1/subscribers/${msisdn}/balance${at ? `?at=${encodeURIComponent(at)}` : ''}`);
          mismatches.push(...differences(right.balance(msisdn, at), actual.body, `balance ${msisdn} ${at ?? 'now'}`));
        }
        for (const window of [{}, CHARGES_WINDOW]) {
          const items: Record<string, unknown>[] = [];
          let cursor: string | null = null;
          do {
            const query: URLSearchParams = new URLSearchParams({
              ...window,
              limit: '9',
              ...(cursor ? { cursor } : {}),
            });
            const page: { body: { items: Record<string, unknown>[]; nextCursor: string | null } } = await api.get(
              `/v1/subscribers/${msisdn}/charges?${query.toString()}`,
            );
            items.push(...page.body.items.map(({ tariffVersion: _v, corrections: _c, ...charge }) => charge));
            cursor = page.body.nextCursor;
          } while (cursor);
          mismatches.push(
            ...differences(
              right.charges(msisdn, (window as { from?: string }).from, (window as { to?: string }).to),
              items,
              `charges ${msisdn}`,
            ),
          );
        }
      });
      expect(mismatches.slice(0, 20)).toEqual([]);
    },
    CHECK_TIMEOUT_MS,
  );

  it('reports every revenue day and interconnect figure as the right tariff does', async () => {
    const revenue = await api.get(`/v1/finance/revenue?from=${SCENARIO_DAYS.from}&to=${SCENARIO_DAYS.to}`);
    const expectedRevenue = right.revenue(SCENARIO_DAYS.from, SCENARIO_DAYS.to);
    expect(differences(expectedRevenue, revenue.body).slice(0, 20)).toEqual([]);
    for (const date of datesFrom('2003-03-25', '2003-04-15')) {
      const day = await api.get(`/v1/finance/interconnect?from=${date}&to=${date}`);
      expect({ date, networks: day.body.networks }).toEqual({ date, networks: right.interconnect(date, date) });
    }
    const whole = await api.get(`/v1/finance/interconnect?from=${SCENARIO_DAYS.from}&to=${SCENARIO_DAYS.to}`);
    expect(whole.body.networks).toEqual(right.interconnect(SCENARIO_DAYS.from, SCENARIO_DAYS.to));
  });

  it(
    'publishes each correction once on the feed: the corrected charge and what it was before',
    async () => {
      await eventually(() => {
        const corrections = feed.filter((record) => record.body.correction?.runId === dryRun.runId);
        expect(corrections.length).toBe(applied.messagesChanged);
        return Promise.resolve();
      }, 60_000);
      const corrections = feed.filter((record) => record.body.correction?.runId === dryRun.runId);
      expect(new Set(corrections.map((record) => record.body.messageId)).size).toBe(corrections.length);
      for (const record of corrections.slice(0, 200)) {
        const { correction, globalPosition: _position, tariffVersion, ...charge } = record.body;
        expect(charge).toEqual(right.charge(record.body.messageId));
        expect(record.key).toBe((charge.sender as { msisdn: string }).msisdn);
        expect(tariffVersion).toBe(newVersion);
        const change = applied.changes.find((c) => c.messageId === record.body.messageId);
        if (change) expect(correction).toEqual({ runId: dryRun.runId, before: change.before });
      }
    },
    CHECK_TIMEOUT_MS,
  );

  it('finds nothing left to change: a second run from the start changes nothing', async () => {
    const second = await api.post<RunBody>('/v1/rerating-runs', { from: FROM, reason: 'check' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ messagesChanged: 0, penceDelta: 0, unitsDelta: 0, changes: [] });
  });

  function allSubscribers(): string[] {
    const purchasers = scenario.phases.flatMap((p) => [...p.kafkaPurchases, ...p.apiPurchases].map((x) => x.msisdn));
    return [...new Set([...scenario.o2Subscribers, ...scenario.otherSenders, ...purchasers])];
  }

  async function countEvents(type?: string): Promise<number> {
    const result = await pool.query<{ count: string }>(
      `SELECT count(*) FROM events WHERE $1::text IS NULL OR event_type = $1`,
      [type ?? null],
    );
    return Number(result.rows[0].count);
  }

  /** What the dry run must find, from the two independent calculations alone. */
  function expectedImpact(before: Map<string, Outcome>) {
    const changed = [...before.keys()].filter((id) => !sameOutcome(before.get(id)!, outcomeIn(right, id)));
    let penceDelta = 0;
    let unitsDelta = 0;
    const days: Record<string, { date: string; paygPenceDelta: number; recognisedBoltOnPenceDelta: number }> = {};
    for (const id of changed) {
      const was = before.get(id)!;
      const now = outcomeIn(right, id);
      penceDelta += now.pence - was.pence;
      unitsDelta += now.units - was.units;
      const date = right.charge(id)!.sentAt.slice(0, 10);
      const day = (days[date] ??= { date, paygPenceDelta: 0, recognisedBoltOnPenceDelta: 0 });
      day.paygPenceDelta += now.pence - was.pence;
      day.recognisedBoltOnPenceDelta += recognised(now) - recognised(was);
    }
    for (const [date, day] of Object.entries(days)) {
      if (day.paygPenceDelta === 0 && day.recognisedBoltOnPenceDelta === 0) delete days[date];
    }
    return { changed, penceDelta, unitsDelta, days };
  }
});

function outcomeIn(reference: ReferenceLedger, messageId: string): Outcome {
  const charge = reference.charge(messageId)!;
  const recognition = reference.recognitionOf(messageId);
  return {
    status: charge.status,
    reason: charge.reason,
    units: charge.units,
    pence: charge.pence,
    allocations: charge.allocations.map((allocation, i) => ({ ...allocation, recognisedPence: recognition[i] })),
  };
}

const sameOutcome = (a: Outcome, b: Outcome): boolean => JSON.stringify(a) === JSON.stringify(b);
const recognised = (outcome: Outcome): number =>
  outcome.allocations.reduce((sum, allocation) => sum + allocation.recognisedPence, 0);
