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
  PARTNER_NETWORKS,
  ReferenceLedger,
  type ExpectedCharge,
  type ExpectedInterconnect,
  type ExpectedRevenue,
  type MessageInput,
  type Network,
  type PurchaseAnswer,
  type PurchaseInput,
} from '../scenario/reference-ledger.js';
import {
  AS_AT_INSTANTS,
  CHARGES_WINDOW,
  generateScenario,
  type ScenarioPhase,
} from '../scenario/scenario-generator.js';
import {
  differences,
  highWatermarks,
  inPool,
  onPath,
  produceWithKcat,
  report,
  type Mismatch,
} from '../scenario/scenario-support.js';

const MESSAGE_TOPIC = 'network.message-sent.v1';
const PURCHASE_TOPIC = 'retail.bolt-on-purchased.v1';
/** The phase whose messages go through kcat, an outside Kafka client (the test setup installs it). */
const KCAT_PHASE = 2;
const PAGE_LIMIT = 7;
const CONCURRENCY = 16;
const CHECK_TIMEOUT_MS = 60_000;

interface DayRange {
  from: string;
  to: string;
}

/** Every UTC day the scenario's inputs fall on. */
const SCENARIO_DAYS: DayRange = { from: '2003-02-01', to: '2003-06-30' };
/** Ranges within it: the first day of bolt-ons and half-price MMS, the week around it, one across a month end. */
const REVENUE_RANGES: DayRange[] = [
  SCENARIO_DAYS,
  { from: '2003-04-01', to: '2003-04-01' },
  { from: '2003-03-28', to: '2003-04-02' },
  { from: '2003-05-15', to: '2003-06-10' },
];
/** The scenario's busiest interconnect week: Vodafone's MMS interconnect starts, MMS halves in price. */
const BUSY_WEEK: DayRange = { from: '2003-03-27', to: '2003-04-02' };
/** Partner network days whose figures are walked back to their messages. */
const AUDITED_DAYS: { network: Network; date: string }[] = [
  { network: 'VODAFONE-UK', date: '2003-03-31' },
  { network: 'ORANGE-UK', date: '2003-03-27' },
];
/** Pages of 50, and of 5 so that the cursor carries each audited day over several pages. */
const AUDIT_PAGE_LIMITS = [50, 5];

interface ChargesPage {
  items: ExpectedCharge[];
  nextCursor: string | null;
}

interface RejectionsPage {
  items: { source: 'kafka' | 'api'; reason: string; payload: string }[];
  nextCursor: string | null;
}

interface InterconnectBody {
  networks: ExpectedInterconnect[];
}

interface ApiPurchase {
  phase: string;
  purchase: PurchaseInput;
  expected: PurchaseAnswer;
  actual: { status: number; body: unknown };
}

describe('a scenario of a few thousand purchases and messages, February to June 2003', () => {
  const environment = isolatedEnvironment('scenario');
  const scenario = generateScenario();
  const reference = new ReferenceLedger();
  const apiPurchases: ApiPurchase[] = [];
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const kcat = onPath('kcat');
  let ledger: RunningLedger;
  let network: Upstream;
  let api: ReturnType<typeof apiClient>;

  /** Waits until the ledger has durably recorded everything on the topic up to the broker's end offsets. */
  const drained = async (name: string): Promise<void> => {
    const topic = environment.topic(name);
    const ends = await highWatermarks(brokers, topic);
    await eventually(
      async () => {
        const ingest = await api.get<{
          partitions: { topic: string; partition: number; nextOffset: string; lag: string }[];
        }>('/v1/ingest');
        expect(ingest.status).toBe(200);
        const behind = [...ends].filter(([partition, end]) => {
          const position = ingest.body.partitions.find((p) => p.topic === topic && p.partition === partition);
          return !position || BigInt(position.nextOffset) < end;
        });
        expect(behind).toEqual([]);
        expect(ingest.body.partitions.filter((p) => p.lag !== '0')).toEqual([]);
      },
      60_000,
      150,
    );
  };

  const play = async (phase: ScenarioPhase, index: number): Promise<void> => {
    // Purchases on Kafka first, drained, then the API ones one at a time: the order the ledger records them.
    for (const purchase of phase.kafkaPurchases) reference.recordPurchase(purchase);
    await network.send(
      environment.topic(PURCHASE_TOPIC),
      phase.kafkaPurchases.map((purchase) => ({ key: purchase.msisdn, value: JSON.stringify(purchase) })),
    );
    await drained(PURCHASE_TOPIC);
    for (const purchase of phase.apiPurchases) {
      const expected = reference.recordPurchase(purchase, 'api');
      const { purchaseId, boltOn, purchasedAt } = purchase;
      const actual = await api.post(`/v1/subscribers/${purchase.msisdn}/bolt-ons`, { purchaseId, boltOn, purchasedAt });
      apiPurchases.push({ phase: phase.name, purchase, expected, actual });
    }

    for (const record of phase.messages) reference.recordMessage(JSON.parse(record.value) as MessageInput);
    if (index === KCAT_PHASE) {
      if (kcat === null) throw new Error('kcat is not on PATH: run sudo apt-get install -y kcat');
      await produceWithKcat(kcat, brokers, environment.topic(MESSAGE_TOPIC), phase.messages);
    } else {
      for (let start = 0; start < phase.messages.length; start += 500) {
        await network.send(environment.topic(MESSAGE_TOPIC), phase.messages.slice(start, start + 500));
      }
    }
    await drained(MESSAGE_TOPIC);
  };

  beforeAll(async () => {
    // Without kcat the scenario would not prove an outside client's records are read: fail, not fall back.
    if (kcat === null) throw new Error('kcat is not on PATH: run sudo apt-get install -y kcat');
    ledger = await startLedger(environment);
    network = await upstream();
    api = apiClient(ledger.url);
    await eventually(async () => {
      expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200);
      const ingest = await api.get<{ partitions: { topic: string }[] }>('/v1/ingest');
      const topics = new Set(ingest.body.partitions.map((p) => p.topic));
      expect(topics.has(environment.topic(MESSAGE_TOPIC)) && topics.has(environment.topic(PURCHASE_TOPIC))).toBe(true);
    }, 30_000);
    for (const [index, phase] of scenario.phases.entries()) await play(phase, index);
  }, 110_000);

  afterAll(async () => {
    await network?.close();
    await ledger?.close();
  });

  it('is a scenario of a few thousand inputs with every kind of outcome', () => {
    const messages = scenario.phases.reduce((sum, phase) => sum + phase.messages.length, 0);
    const purchases = scenario.phases.reduce((sum, p) => sum + p.kafkaPurchases.length + p.apiPurchases.length, 0);
    expect(messages).toBeGreaterThan(2500);
    expect(purchases).toBeGreaterThan(200);
    const charges = reference.messageIds().map((id) => reference.charge(id)!);
    const outcomes = new Set(charges.map(outcomeOf));
    expect([...outcomes].sort()).toEqual(
      [
        'CHARGED payg',
        'CHARGED units',
        'CHARGED units spanning bolt-ons',
        'RECORDED',
        'REJECTED NOT_O2_TRAFFIC',
        'REJECTED NO_MMS_INTERCONNECT',
        'REJECTED ROAMING_NOT_SUPPORTED',
      ].sort(),
    );
    // Heavy users run out: pay as you go after April with bolt-ons bought.
    const exhausted = scenario.heavyUsers.filter((msisdn) =>
      reference
        .charges(msisdn, '2003-04-02T00:00:00Z')
        .some(
          (charge) =>
            charge.status === 'CHARGED' &&
            charge.pence > 0 &&
            reference.balance(msisdn, charge.sentAt).boltOns.length > 0,
        ),
    );
    expect(exhausted.length).toBeGreaterThanOrEqual(3);
    const answers = new Set(apiPurchases.map((p) => p.expected.status));
    expect([...answers].sort()).toEqual([200, 201, 409, 422]);
    expect(kcat).not.toBeNull();
    expect(scenario.phases[KCAT_PHASE].messages.length).toBeGreaterThan(0);
    for (const [situation, count] of Object.entries(reference.coverage)) {
      expect({ situation, reached: count > 0 }).toEqual({ situation, reached: true });
    }
  });

  it('answers every purchase through the API as the specification says (201, 200, 409, 422)', () => {
    const mismatches: Mismatch[] = [];
    for (const { phase, purchase, expected, actual } of apiPurchases) {
      const lines: string[] = [];
      if (actual.status !== expected.status) lines.push(`status: expected ${expected.status}, got ${actual.status}`);
      if (expected.status === 201 || expected.status === 200) {
        const body = (actual.body ?? {}) as Record<string, unknown>;
        const shown = Object.fromEntries(Object.keys(expected.purchase).map((key) => [key, body[key]]));
        lines.push(...differences(expected.purchase, shown, 'body'));
      } else if (!JSON.stringify(actual.body).includes(expected.reason)) {
        lines.push(`body: expected the reason ${expected.reason}, got ${JSON.stringify(actual.body)}`);
      }
      if (lines.length > 0) {
        mismatches.push({
          what: `POST bolt-on ${JSON.stringify(purchase)} in ${phase}`,
          msisdn: purchase.msisdn,
          lines,
        });
      }
    }
    if (mismatches.length > 0)
      throw new Error(report('POST /v1/subscribers/{msisdn}/bolt-ons', mismatches, (m) => reference.historyOf(m)));
  });

  it(
    'shows every message with the status, reason, units, pence and allocations of the specification',
    async () => {
      const mismatches: Mismatch[] = [];
      await inPool(reference.messageIds(), CONCURRENCY, async (messageId) => {
        const expected = reference.charge(messageId)!;
        const actual = await api.get(`/v1/messages/${encodeURIComponent(messageId)}`);
        const lines =
          actual.status === 200
            ? differences(asShown(expected), actual.body)
            : [`status: expected 200, got ${actual.status} ${JSON.stringify(actual.body)}`];
        if (lines.length > 0) mismatches.push({ what: `message ${messageId}`, msisdn: expected.sender.msisdn, lines });
      });
      if (mismatches.length > 0)
        throw new Error(report('GET /v1/messages/{id}', sortMismatches(mismatches), (m) => reference.historyOf(m)));
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'shows every balance now and as at past instants',
    async () => {
      const mismatches: Mismatch[] = [];
      const checks = allSubscribers().flatMap((msisdn) => [undefined, ...AS_AT_INSTANTS].map((at) => ({ msisdn, at })));
      await inPool(checks, CONCURRENCY, async ({ msisdn, at }) => {
        const expected = reference.balance(msisdn, at);
        const actual = await api.get(`/v1/subscribers/${msisdn}/balance${at ? `?at=${encodeURIComponent(at)}` : ''}`);
        const lines =
          actual.status === 200
            ? differences(expected, actual.body)
            : [`status: expected 200, got ${actual.status} ${JSON.stringify(actual.body)}`];
        if (lines.length > 0)
          mismatches.push({ what: `balance of ${msisdn}${at ? ` as at ${at}` : ' now'}`, msisdn, lines });
      });
      if (mismatches.length > 0)
        throw new Error(
          report('GET /v1/subscribers/{msisdn}/balance', sortMismatches(mismatches), (m) => reference.historyOf(m)),
        );
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    `lists every subscriber's charges page by page, ${PAGE_LIMIT} at a time, whole and in a window`,
    async () => {
      const mismatches: Mismatch[] = [];
      const windows: { from?: string; to?: string }[] = [{}, CHARGES_WINDOW, { from: CHARGES_WINDOW.to }];
      const checks = allSubscribers().flatMap((msisdn) => windows.map((window) => ({ msisdn, window })));
      await inPool(checks, CONCURRENCY, async ({ msisdn, window }) => {
        const expected = reference.charges(msisdn, window.from, window.to);
        const expectedPages = chunk(expected, PAGE_LIMIT);
        const what = `charges of ${msisdn}${window.from ? ` from ${window.from}` : ''}${window.to ? ` to ${window.to}` : ''}`;
        const lines: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; lines.length === 0; page++) {
          const query: URLSearchParams = new URLSearchParams({
            ...window,
            limit: String(PAGE_LIMIT),
            ...(cursor ? { cursor } : {}),
          });
          const actual: { status: number; body: ChargesPage } = await api.get<ChargesPage>(
            `/v1/subscribers/${msisdn}/charges?${query.toString()}`,
          );
          if (actual.status !== 200) {
            lines.push(`page ${page + 1}: status ${actual.status} ${JSON.stringify(actual.body)}`);
            break;
          }
          const isLast = page === expectedPages.length - 1;
          lines.push(
            ...differences((expectedPages[page] ?? []).map(asShown), actual.body.items, `page ${page + 1} items`),
          );
          if (isLast !== (actual.body.nextCursor === null)) {
            lines.push(
              `page ${page + 1} of ${expectedPages.length}: nextCursor expected ${isLast ? 'null' : 'a cursor'}, got ${JSON.stringify(actual.body.nextCursor)}`,
            );
          }
          cursor = actual.body.nextCursor;
          if (cursor === null || page >= expectedPages.length) break;
        }
        if (lines.length > 0) mismatches.push({ what, msisdn, lines });
      });
      if (mismatches.length > 0)
        throw new Error(
          report('GET /v1/subscribers/{msisdn}/charges', sortMismatches(mismatches), (m) => reference.historyOf(m)),
        );
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'lists every rejected input among the rejections, with its reason',
    async () => {
      const actual = new Map<string, number>();
      let cursor: string | null = null;
      do {
        const query: string = `/v1/rejections?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page: { status: number; body: RejectionsPage } = await api.get<RejectionsPage>(query);
        expect(page.status).toBe(200);
        for (const item of page.body.items) {
          const key = `${item.source} ${idOf(item.payload)} ${item.reason}`;
          actual.set(key, (actual.get(key) ?? 0) + 1);
        }
        cursor = page.body.nextCursor;
      } while (cursor);
      const required = new Map<string, number>();
      const optional = new Map<string, number>();
      for (const rejection of reference.rejections()) {
        const key = `${rejection.source} ${rejection.id} ${rejection.reason}`;
        const counts = rejection.required ? required : optional;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const lines: string[] = [];
      for (const key of new Set([...actual.keys(), ...required.keys(), ...optional.keys()])) {
        const got = actual.get(key) ?? 0;
        const least = required.get(key) ?? 0;
        const most = least + (optional.get(key) ?? 0);
        if (got < least || got > most)
          lines.push(`${key}: expected ${least === most ? least : `${least} to ${most}`}, got ${got}`);
      }
      if (lines.length > 0) {
        throw new Error(`GET /v1/rejections: ${lines.length} mismatch(es):\n${lines.sort().slice(0, 20).join('\n')}`);
      }
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    "reports every day's bolt-on sales, PAYG and recognised revenue, the totals and deferred revenue to the penny",
    async () => {
      const mismatches: string[] = [];
      let whole: ExpectedRevenue | null = null;
      for (const range of REVENUE_RANGES) {
        const expected = reference.revenue(range.from, range.to);
        const actual = await api.get<ExpectedRevenue>(`/v1/finance/revenue?from=${range.from}&to=${range.to}`);
        if (range === SCENARIO_DAYS && actual.status === 200) whole = actual.body;
        mismatches.push(...revenueMismatches(range, expected, actual));
      }
      if (mismatches.length > 0) throw new Error(revenueReport(mismatches));
      // SPEC 6: over the whole scenario (nothing was sold or used before it), recognised plus deferred equals sales.
      const expected = reference.revenue(SCENARIO_DAYS.from, SCENARIO_DAYS.to);
      expect(expected.totals.recognisedBoltOnPence + expected.deferredPence).toBe(expected.totals.boltOnSalesPence);
      expect(whole).not.toBeNull();
      expect(whole!.totals.recognisedBoltOnPence + whole!.deferredPence).toBe(whole!.totals.boltOnSalesPence);
      // The scenario is worth checking: money on most days, and deferred revenue still owed at the end.
      expect(expected.days.filter((day) => day.recognisedBoltOnPence > 0).length).toBeGreaterThan(60);
      expect(expected.deferredPence).toBeGreaterThan(0);
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'reports the deferred revenue as at the end of every day, each day asked for alone',
    async () => {
      const mismatches: string[] = [];
      await inPool(datesFrom(SCENARIO_DAYS.from, SCENARIO_DAYS.to), CONCURRENCY, async (date) => {
        const range = { from: date, to: date };
        const actual = await api.get<ExpectedRevenue>(`/v1/finance/revenue?from=${date}&to=${date}`);
        mismatches.push(...revenueMismatches(range, reference.revenue(date, date), actual));
      });
      if (mismatches.length > 0) throw new Error(revenueReport(mismatches.sort()));
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'counts interconnect traffic per partner network over the scenario, the busy week and each of its days',
    async () => {
      const ranges = [
        SCENARIO_DAYS,
        BUSY_WEEK,
        ...datesFrom(BUSY_WEEK.from, BUSY_WEEK.to).map((date) => ({ from: date, to: date })),
      ];
      const mismatches: string[] = [];
      for (const range of ranges) {
        const expected = reference.interconnect(range.from, range.to);
        const actual = await api.get<InterconnectBody>(`/v1/finance/interconnect?from=${range.from}&to=${range.to}`);
        mismatches.push(...interconnectMismatches(range, expected, actual));
      }
      if (mismatches.length > 0) throw new Error(interconnectReport(mismatches));
      const busyWeek = reference.interconnect(BUSY_WEEK.from, BUSY_WEEK.to);
      expect(busyWeek.reduce((sum, line) => sum + trafficOf(line), 0)).toBeGreaterThan(150);
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    "lists the messages behind a partner network's figures on a day, page by page",
    async () => {
      const mismatches: string[] = [];
      for (const { network, date } of AUDITED_DAYS) {
        const expected = reference.interconnectMessages(network, date);
        expect(expected.length).toBeGreaterThan(2 * Math.min(...AUDIT_PAGE_LIMITS));
        for (const limit of AUDIT_PAGE_LIMITS) {
          const what = `${network} on ${date}, ${limit} a page`;
          const pages = Math.ceil(expected.length / limit);
          const items: ExpectedCharge[] = [];
          let cursor: string | null = null;
          for (let page = 0; page <= pages; page++) {
            const query: URLSearchParams = new URLSearchParams({
              date,
              limit: String(limit),
              ...(cursor ? { cursor } : {}),
            });
            const actual: { status: number; body: ChargesPage } = await api.get<ChargesPage>(
              `/v1/finance/interconnect/${network}/messages?${query.toString()}`,
            );
            if (actual.status !== 200) {
              mismatches.push(`${what}: page ${page + 1}: status ${actual.status} ${JSON.stringify(actual.body)}`);
              break;
            }
            items.push(...actual.body.items);
            cursor = actual.body.nextCursor;
            if (cursor === null) break;
          }
          const expectedIds = expected.map((charge) => charge.messageId);
          const actualIds = items.map((charge) => charge.messageId);
          if (JSON.stringify(actualIds) !== JSON.stringify(expectedIds) || cursor !== null) {
            mismatches.push(
              `${what}: messageIds differ${cursor !== null ? ` (still a cursor after ${pages + 1} pages)` : ''}`,
              ...listDifferences(expectedIds, actualIds).map((line) => `    ${line}`),
              `    the reference's messages, and the ledger's messageId where it differs:`,
              ...Array.from({ length: Math.max(expected.length, actualIds.length) }, (_, i) => {
                const mark = actualIds[i] === expectedIds[i] ? ' ' : '!';
                const got = actualIds[i] === expectedIds[i] ? '' : ` | got ${actualIds[i] ?? '(nothing)'}`;
                return `    ${mark} #${i + 1} ${expected[i] ? describeTraffic(expected[i]) : '(nothing)'}${got}`;
              }),
            );
          } else {
            mismatches.push(...differences(expected.map(asShown), items, what));
          }
        }
      }
      if (mismatches.length > 0)
        throw new Error(`GET /v1/finance/interconnect/{network}/messages:\n${mismatches.slice(0, 60).join('\n')}`);
    },
    CHECK_TIMEOUT_MS,
  );

  /** The differences between a revenue answer and the reference's, day by day, the days keyed by date. */
  function revenueMismatches(
    range: DayRange,
    expected: ExpectedRevenue,
    actual: { status: number; body: ExpectedRevenue },
  ): string[] {
    const label = `${range.from}..${range.to}`;
    if (actual.status !== 200) return [`${label}: status ${actual.status} ${JSON.stringify(actual.body)}`];
    const lines: string[] = [];
    const actualDates = (actual.body.days ?? []).map((day) => day.date);
    const expectedDates = expected.days.map((day) => day.date);
    if (JSON.stringify(actualDates) !== JSON.stringify(expectedDates)) {
      lines.push(`${label} days: ${listDifferences(expectedDates, actualDates).join('; ')}`);
    }
    const byDate = (days: ExpectedRevenue['days']) => Object.fromEntries(days.map((day) => [day.date, day]));
    lines.push(
      ...differences(
        { days: byDate(expected.days), totals: expected.totals, deferredPence: expected.deferredPence },
        { days: byDate(actual.body.days ?? []), totals: actual.body.totals, deferredPence: actual.body.deferredPence },
        label,
        1000,
      ),
    );
    return lines;
  }

  /** The first differences, and what the reference counted on the first day that differs. */
  function revenueReport(mismatches: string[]): string {
    const parts = [`GET /v1/finance/revenue: ${mismatches.length} difference(s); the first 30:`];
    parts.push(...mismatches.slice(0, 30).map((line) => `- ${line}`));
    const firstDay = mismatches.map((line) => /\.days\.(\d{4}-\d{2}-\d{2})\./.exec(line)?.[1]).find(Boolean);
    if (firstDay) {
      const lines = reference.revenueLinesOf(firstDay);
      parts.push(`What the reference counted on ${firstDay} (${lines.length} lines, the first 60):`);
      parts.push(...lines.slice(0, 60).map((line) => `    ${line}`));
    }
    return parts.join('\n');
  }

  function interconnectReport(mismatches: string[]): string {
    const parts = [`GET /v1/finance/interconnect: ${mismatches.length} difference(s); the first 30:`];
    parts.push(...mismatches.slice(0, 30).map((line) => `- ${line}`));
    // The messages behind the first difference, on a single day when one differs: fewer to read.
    const found = mismatches
      .map((line) => /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2}) ([A-Z0-9-]+)\./.exec(line))
      .filter((match) => match !== null);
    const first = found.find(([, from, to]) => from === to) ?? found[0];
    if (first) {
      const [, from, to, network] = first;
      const traffic = reference.interconnectMessages(network as Network, from, to);
      parts.push(`The reference's ${network} traffic ${from}..${to} (${traffic.length} messages, the first 60):`);
      parts.push(...traffic.slice(0, 60).map((charge) => `    ${describeTraffic(charge)}`));
    }
    return parts.join('\n');
  }

  function allSubscribers(): string[] {
    const purchasers = scenario.phases.flatMap((p) => [...p.kafkaPurchases, ...p.apiPurchases].map((x) => x.msisdn));
    return [...new Set([...scenario.o2Subscribers, ...scenario.otherSenders, ...purchasers])];
  }
});

/** The differences between an interconnect answer and the reference's, the networks keyed by name. */
function interconnectMismatches(
  range: DayRange,
  expected: ExpectedInterconnect[],
  actual: { status: number; body: InterconnectBody },
): string[] {
  const label = `${range.from}..${range.to}`;
  if (actual.status !== 200) return [`${label}: status ${actual.status} ${JSON.stringify(actual.body)}`];
  const networks = (actual.body.networks ?? []).map((line) => line.network);
  const lines: string[] = [];
  if (networks.length !== PARTNER_NETWORKS.length || new Set(networks).size !== networks.length) {
    lines.push(`${label}: expected one line for each of ${PARTNER_NETWORKS.join(', ')}, got ${networks.join(', ')}`);
  }
  for (const line of expected) {
    const actualLine = (actual.body.networks ?? []).find((candidate) => candidate.network === line.network);
    lines.push(...differences(line, actualLine ?? null, `${label} ${line.network}`, 1000));
  }
  return lines;
}

const trafficOf = (line: ExpectedInterconnect): number =>
  line.outboundSms + line.outboundMms + line.inboundSms + line.inboundMms;

function describeTraffic(charge: ExpectedCharge): string {
  return `${charge.sentAt} ${charge.messageId} ${charge.kind} ${charge.sender.network}->${charge.recipient.network} ${charge.status}`;
}

/** Where two lists part: the first index that differs, and what each holds but the other lacks. */
function listDifferences(expected: readonly string[], actual: readonly string[]): string[] {
  const index = expected.findIndex((item, i) => actual[i] !== item);
  const firstDiffering = index === -1 ? expected.length : index;
  const missing = expected.filter((item) => !actual.includes(item));
  const unexpected = actual.filter((item) => !expected.includes(item));
  return [
    `expected ${expected.length}, got ${actual.length}; first difference at #${firstDiffering + 1}: expected ${JSON.stringify(expected[firstDiffering] ?? null)}, got ${JSON.stringify(actual[firstDiffering] ?? null)}`,
    ...(missing.length > 0 ? [`missing: ${missing.slice(0, 20).join(', ')}`] : []),
    ...(unexpected.length > 0 ? [`unexpected: ${unexpected.slice(0, 20).join(', ')}`] : []),
  ];
}

/** A charge as the API shows it: rated by the tariff of the first start (version 1) and never corrected. */
const asShown = (charge: ExpectedCharge) => ({ ...charge, tariffVersion: 1, corrections: [] });

function outcomeOf(charge: ExpectedCharge): string {
  if (charge.status === 'REJECTED') return `REJECTED ${charge.reason}`;
  if (charge.status === 'RECORDED') return 'RECORDED';
  if (charge.pence > 0) return 'CHARGED payg';
  return charge.allocations.length > 1 ? 'CHARGED units spanning bolt-ons' : 'CHARGED units';
}

/** The messageId or purchaseId in a rejected input's payload. */
function idOf(payload: string): string {
  try {
    const value = JSON.parse(payload) as { messageId?: string; purchaseId?: string };
    return value.messageId ?? value.purchaseId ?? `(no id) ${payload}`;
  } catch {
    return `(not JSON) ${payload}`;
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let start = 0; start < items.length; start += size) pages.push(items.slice(start, start + size));
  return pages.length > 0 ? pages : [[]];
}

/** Mismatches found concurrently, in a stable order. */
function sortMismatches(mismatches: Mismatch[]): Mismatch[] {
  return [...mismatches].sort((a, b) => (a.what < b.what ? -1 : a.what > b.what ? 1 : 0));
}
