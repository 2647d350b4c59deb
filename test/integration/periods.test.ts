import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PostgresEventStore } from '@ledger/event-store';
import { DEFAULT_TARIFF_FILE } from '@ledger/rating';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { rebuildReadModels, verifyReadModels } from '@ledger/app/read-models/read-model-maintenance.js';
import {
  mms as mmsBetween,
  o2,
  on,
  sms as smsBetween,
  startFinanceLedger,
  type FinanceLedger,
  type Party,
} from '../support/finance-ledger.js';
import { eventually, isolatedEnvironment, KEYS } from '../support/ledger-harness.js';

/**
 * docs/CONTRACT.md sections 9 and 10 through the real broker and Postgres. Every figure is worked out below from
 * the definitions (floor(P * c / U), P - floor(P * c / U) at expiry), not from the ledger's own code.
 *
 * Periods (default tariff, nothing expires):
 *   PAYG_USER: 03-15 SMS 10p, 03-20 MMS 70p (before 04-01), 04-10 SMS to ORANGE-UK 10p, 05-02 SMS 10p.
 *   GBP5_USER: GBP5 (500p/100u) bought 04-02; 04-03 SMS c=1 -> 5p; 04-05 MMS to VODAFONE-UK c=5 -> 25p (+20).
 *   Close 2003-03, then 2003-04. Late: PAYG_USER 04-15 SMS to VODAFONE-UK 10p, 03-30 MMS 70p; GBP5_USER 04-20 SMS
 *   c=6 -> 30p (+5); LATE_BUYER GBP3 (300p) dated 04-25. All of it on 05-01: 2003-03 {payg 70}, 2003-04 {300, 10, 5}.
 * Validity (tariff version 2: GBP3 valid 30 days, from the first phase on):
 *   VALID_USER: GBP3 (300p/50u) bought 06-10T12:00Z, expires 07-10T12:00Z. 06-11 SMS c=1 -> 6; 06-20 MMS c=5 -> 30;
 *   07-10T11:59:59Z SMS c=6 -> 36; 07-10T12:00:00Z SMS pays 10p. Breakage on 07-10: 300 - 36 = 264.
 *   Late 07-05 SMS c=7 -> 42 (+6 on 07-05), breakage 258. Close 2003-07; late 07-09 SMS c=8 -> 48 (+6):
 *   on 08-01, adjustment 2003-07 {recognised 6, breakage -6}; July answers as at close.
 */
const PAYG_USER = '447700930001';
const GBP5_USER = '447700930002';
const LATE_BUYER = '447700930003';
const VALID_USER = '447700930004';

// Every message here is sent by a subscriber of O2, to another one unless it says otherwise.
const sms = (messageId: string, sentAt: string, sender: string, recipient: Party = o2('447700939999')) =>
  smsBetween(messageId, sentAt, o2(sender), recipient);
const mms = (messageId: string, sentAt: string, sender: string, recipient: Party = o2('447700939999')) =>
  mmsBetween(messageId, sentAt, o2(sender), recipient);

const recognised = (pricePence: number, units: number, used: number) => Math.floor((pricePence * used) / units);
const figures = (boltOnSalesPence: number, paygPence: number, recognisedBoltOnPence: number, breakagePence = 0) => ({
  boltOnSalesPence,
  paygPence,
  recognisedBoltOnPence,
  breakagePence,
});

interface Day {
  date: string;
  boltOnSalesPence: number;
  paygPence: number;
  recognisedBoltOnPence: number;
  breakagePence: number;
  adjustments: ({ period: string } & ReturnType<typeof figures>)[];
}
interface Revenue {
  days: Day[];
  totals: ReturnType<typeof figures>;
  deferredPence: number;
}

describe('accounting periods, prior-period adjustments, validity and breakage', () => {
  const environment = isolatedEnvironment('periods');
  let world: FinanceLedger;
  let pool: pg.Pool;
  const admin = () => world.admin;
  const finance = () => world.finance;
  const revenue = async (from: string, to: string): Promise<Revenue> => {
    const response = await finance().get<Revenue>(`/v1/finance/revenue?from=${from}&to=${to}`);
    expect(response.status).toBe(200);
    return response.body;
  };
  const interconnect = async (from: string, to: string) =>
    (await finance().get(`/v1/finance/interconnect?from=${from}&to=${to}`)).body.networks;
  const buy = (msisdn: string, purchaseId: string, boltOn: string, purchasedAt: string) =>
    world.buy(msisdn, { purchaseId, boltOn, purchasedAt });
  /** Sends through the broker and waits until every message has its charge. */
  const send = async (...messages: Record<string, unknown>[]) => {
    await world.publish(messages);
    for (const message of messages) {
      await eventually(async () => {
        expect((await finance().get(`/v1/messages/${String(message.messageId)}`)).status).toBe(200);
      }, 60_000);
    }
  };
  const day = (body: Revenue, date: string) => body.days.find((candidate) => candidate.date === date)!;

  beforeAll(async () => {
    world = await startFinanceLedger(environment);
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
  });

  afterAll(async () => {
    await pool?.end();
    await world?.close();
  });

  describe('periods that close (docs/CONTRACT.md section 9)', () => {
    let marchAndAprilAtClose: Revenue;
    let aprilTrafficAtClose: unknown;
    let periodsAtClose: { period: string; status: string; closedAt: string | null; totals: unknown }[];

    it('closes March, then April, and lists them CLOSED with their totals', async () => {
      await buy(GBP5_USER, 'PER-GBP5', 'GBP5', '2003-04-02T09:00:00Z');
      await send(
        sms('PER-1', '2003-03-15T10:00:00Z', PAYG_USER),
        mms('PER-2', '2003-03-20T10:00:00Z', PAYG_USER),
        sms('PER-3', '2003-04-03T10:00:00Z', GBP5_USER),
        mms('PER-4', '2003-04-05T10:00:00Z', GBP5_USER, on('VODAFONE-UK')),
        sms('PER-5', '2003-04-10T10:00:00Z', PAYG_USER, on('ORANGE-UK')),
        sms('PER-6', '2003-05-02T10:00:00Z', PAYG_USER),
      );
      const march = await admin().post('/v1/finance/periods/2003-03/close', {});
      expect(march.status).toBe(200);
      expect(march.body).toMatchObject({ period: '2003-03', status: 'CLOSED', totals: figures(0, 80, 0) });
      const april = await admin().post('/v1/finance/periods/2003-04/close', {});
      expect(april.status).toBe(200);
      const aprilRecognised = recognised(500, 100, 5);
      expect(april.body).toMatchObject({
        period: '2003-04',
        status: 'CLOSED',
        totals: { ...figures(500, 10, aprilRecognised), deferredPence: 500 - aprilRecognised },
      });
      marchAndAprilAtClose = await revenue('2003-03-01', '2003-04-30');
      aprilTrafficAtClose = await interconnect('2003-04-01', '2003-04-30');
      periodsAtClose = (await finance().get('/v1/finance/periods')).body.periods;
      expect(periodsAtClose.map(({ period, status }) => [period, status])).toEqual([
        ['2003-03', 'CLOSED'],
        ['2003-04', 'CLOSED'],
        ['2003-05', 'OPEN'],
      ]);
      expect(periodsAtClose[1].closedAt).toEqual(april.body.closedAt);
      expect(periodsAtClose[2]).toMatchObject({ closedAt: null, totals: figures(0, 10, 0) });
    });

    it('closing again answers the same and records nothing; a future, unfinished or invalid month is a 400', async () => {
      const again = await admin().post('/v1/finance/periods/2003-04/close', {});
      expect(again.status).toBe(200);
      expect(again.body).toEqual(periodsAtClose[1]);
      const earlier = await admin().post('/v1/finance/periods/2003-03/close', {});
      expect(earlier.body).toEqual(periodsAtClose[0]);
      const closes = await pool.query(`SELECT count(*)::int AS n FROM events WHERE event_type = 'PeriodClosed'`);
      expect(closes.rows[0].n).toBe(2);
      const thisMonth = new Date().toISOString().slice(0, 7);
      for (const [period, message] of [
        ['2999-01', 'has not ended'],
        [thisMonth, 'has not ended'],
        ['2003-13', 'YYYY-MM'],
        ['2003-4', 'YYYY-MM'],
        ['April', 'YYYY-MM'],
      ]) {
        const refused = await admin().post(`/v1/finance/periods/${period}/close`, {});
        expect(refused.status).toBe(400);
        expect(JSON.stringify(refused.body)).toContain(message);
      }
      expect((await finance().post('/v1/finance/periods/2003-05/close', {})).status).toBe(403);
    });

    it('posts late April and March figures on 1 May as adjustments; April and March answer exactly as at close', async () => {
      await buy(LATE_BUYER, 'PER-LATE-GBP3', 'GBP3', '2003-04-25T09:00:00Z');
      await send(
        sms('PER-L1', '2003-04-15T10:00:00Z', PAYG_USER, on('VODAFONE-UK')),
        sms('PER-L2', '2003-04-20T10:00:00Z', GBP5_USER),
        mms('PER-L3', '2003-03-30T10:00:00Z', PAYG_USER),
      );
      expect(await revenue('2003-03-01', '2003-04-30')).toEqual(marchAndAprilAtClose);
      expect(await interconnect('2003-04-01', '2003-04-30')).toEqual(aprilTrafficAtClose);

      const may = await revenue('2003-05-01', '2003-05-02');
      const lateRecognised = recognised(500, 100, 6) - recognised(500, 100, 5);
      const march = { period: '2003-03', ...figures(0, 70, 0) };
      const april = { period: '2003-04', ...figures(300, 10, lateRecognised) };
      expect(day(may, '2003-05-01')).toEqual({
        date: '2003-05-01',
        ...figures(300, 80, lateRecognised),
        adjustments: [march, april],
      });
      expect(day(may, '2003-05-02')).toEqual({ date: '2003-05-02', ...figures(0, 10, 0), adjustments: [] });
      // The late April message to Vodafone counts on its posting day.
      const mayFirst = await interconnect('2003-05-01', '2003-05-01');
      expect(mayFirst[0]).toEqual({
        network: 'VODAFONE-UK',
        outboundSms: 1,
        outboundMms: 0,
        inboundSms: 0,
        inboundMms: 0,
      });
      // Deferred as posted: GBP5 500 - 30, the late GBP3 300.
      expect(may.deferredPence).toBe(500 - recognised(500, 100, 6) + 300);

      const periods = (await finance().get('/v1/finance/periods')).body.periods;
      expect(periods.slice(0, 2)).toEqual(periodsAtClose.slice(0, 2));
      expect(periods[2]).toMatchObject({ period: '2003-05', status: 'OPEN', totals: figures(300, 90, lateRecognised) });
    });

    it('answers the periods as CSV, with their status', async () => {
      const response = await fetch(`${world.url}/v1/finance/periods?format=csv`, {
        headers: { authorization: `Bearer ${KEYS.finance}` },
      });
      const lines = (await response.text()).split('\r\n');
      expect(lines[0]).toBe(
        'period,status,closedAt,boltOnSalesPence,paygPence,recognisedBoltOnPence,breakagePence,deferredPence',
      );
      expect(lines[1]).toMatch(/^2003-03,CLOSED,\d{4}-.*,0,80,0,0,0$/);
      expect(lines[3]).toBe(`2003-05,OPEN,,300,90,5,0,770`);
    });
  });

  describe('bolt-on validity and breakage (docs/CONTRACT.md section 10)', () => {
    const PURCHASED = '2003-06-10T12:00:00Z';
    const EXPIRES = '2003-07-10T12:00:00Z';
    let julyAtClose: Revenue;

    it('stores a tariff whose GBP3 is valid for 30 days and records expiresAt on the purchase', async () => {
      const document = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as { boltOns: Record<string, unknown>[] };
      document.boltOns = document.boltOns.map((offer) =>
        offer.code === 'GBP3' ? { ...offer, validityDays: 30 } : offer,
      );
      const stored = await admin().post('/v1/tariff/versions', { ...document, version: '2003-04-01.validity' });
      expect(stored.status).toBe(201);
      await eventually(async () => {
        expect((await finance().get('/v1/tariff')).body.version).toBe(stored.body.version);
      }, 10_000);
      expect(await buy(VALID_USER, 'PER-VALID', 'GBP3', PURCHASED)).toMatchObject({
        pricePence: 300,
        units: 50,
        expiresAt: EXPIRES,
      });
    });

    it('serves messages with units until the instant of expiry, then by PAYG', async () => {
      await send(
        sms('VAL-1', '2003-06-11T10:00:00Z', VALID_USER),
        mms('VAL-2', '2003-06-20T10:00:00Z', VALID_USER),
        sms('VAL-3', '2003-07-10T11:59:59Z', VALID_USER),
        sms('VAL-4', EXPIRES, VALID_USER),
      );
      const charge = async (id: string) => (await finance().get(`/v1/messages/${id}`)).body;
      expect(await charge('VAL-3')).toMatchObject({
        units: 1,
        pence: 0,
        allocations: [{ purchaseId: 'PER-VALID', units: 1 }],
      });
      expect(await charge('VAL-4')).toMatchObject({ units: 0, pence: 10, allocations: [] });
    });

    it('books breakage P - floor(P * c / U) on the UTC day of expiry, and the sums hold every day', async () => {
      const july = await revenue('2003-07-09', '2003-07-11');
      const atExpiry = recognised(300, 50, 6);
      expect(day(july, '2003-07-10')).toEqual({
        date: '2003-07-10',
        ...figures(0, 10, atExpiry - recognised(300, 50, 5), 300 - atExpiry),
        adjustments: [],
      });
      expect(day(july, '2003-07-09').breakagePence).toBe(0);
      const year = await revenue('2003-01-01', '2003-12-31');
      let sales = 0;
      let used = 0;
      for (const { boltOnSalesPence, recognisedBoltOnPence, breakagePence } of year.days) {
        sales += boltOnSalesPence;
        used += recognisedBoltOnPence + breakagePence;
        expect(sales - used).toBeGreaterThanOrEqual(0);
      }
      // Deferred at the end: the GBP5 (500 - 30) and the late GBP3 (300); the expired GBP3 holds nothing back.
      expect(year.deferredPence).toBe(500 - recognised(500, 100, 6) + 300);
      expect(year.totals.recognisedBoltOnPence + year.totals.breakagePence + year.deferredPence).toBe(
        year.totals.boltOnSalesPence,
      );
    });

    it('lists expiresAt and counts only unexpired units, at instants before and after expiry', async () => {
      const balance = async (at?: string) =>
        (await world.retail.get(`/v1/subscribers/${VALID_USER}/balance${at ? `?at=${encodeURIComponent(at)}` : ''}`))
          .body;
      const before = await balance('2003-07-10T11:59:59Z');
      expect(before).toMatchObject({
        unitsAvailable: 44,
        boltOns: [{ purchaseId: 'PER-VALID', unitsRemaining: 44, expiresAt: EXPIRES }],
      });
      expect(await balance(EXPIRES)).toMatchObject({
        unitsAvailable: 0,
        boltOns: [{ purchaseId: 'PER-VALID', unitsRemaining: 44, expiresAt: EXPIRES }],
      });
      expect(await balance('2003-06-10T11:59:59Z')).toEqual({ msisdn: VALID_USER, unitsAvailable: 0, boltOns: [] });
      expect(await balance()).toMatchObject({
        unitsAvailable: 0,
        boltOns: [{ unitsRemaining: 44, expiresAt: EXPIRES }],
      });
    });

    it('a late use before expiry moves breakage to recognised; once July is closed, through an adjustment on 1 August', async () => {
      await send(sms('VAL-L1', '2003-07-05T10:00:00Z', VALID_USER));
      const open = await revenue('2003-07-05', '2003-07-10');
      expect(day(open, '2003-07-05').recognisedBoltOnPence).toBe(recognised(300, 50, 7) - recognised(300, 50, 6));
      expect(day(open, '2003-07-10').breakagePence).toBe(300 - recognised(300, 50, 7));

      expect((await admin().post('/v1/finance/periods/2003-07/close', {})).status).toBe(200);
      julyAtClose = await revenue('2003-06-01', '2003-07-31');
      await send(sms('VAL-L2', '2003-07-09T00:00:00Z', VALID_USER));
      expect(await revenue('2003-06-01', '2003-07-31')).toEqual(julyAtClose);
      const moved = recognised(300, 50, 8) - recognised(300, 50, 7);
      expect(day(await revenue('2003-08-01', '2003-08-01'), '2003-08-01')).toEqual({
        date: '2003-08-01',
        ...figures(0, 0, moved, -moved),
        adjustments: [{ period: '2003-07', ...figures(0, 0, moved, -moved) }],
      });
    });

    it('a rerating run across closed months posts its difference on the first open day, one adjustment per month', async () => {
      // Tariff version 3: the same with SMS at 12p. Every PAYG SMS so far is in a closed month (through July).
      const document = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as {
        boltOns: Record<string, unknown>[];
        paygPrices: { kind: string; pricePence: number }[];
      };
      document.boltOns = document.boltOns.map((offer) =>
        offer.code === 'GBP3' ? { ...offer, validityDays: 30 } : offer,
      );
      document.paygPrices = document.paygPrices.map((price) =>
        price.kind === 'SMS' ? { ...price, pricePence: 12 } : price,
      );
      const stored = await admin().post('/v1/tariff/versions', { ...document, version: '2003-04-01.sms-12p' });
      expect(stored.status).toBe(201);
      await eventually(async () => {
        expect((await finance().get('/v1/tariff')).body.version).toBe(stored.body.version);
      }, 10_000);
      const closedMonths = await revenue('2003-03-01', '2003-07-31');
      const augustBefore = day(await revenue('2003-08-01', '2003-08-01'), '2003-08-01');

      const run = await admin().post('/v1/rerating-runs', { from: '2003-01-01T00:00:00Z', reason: 'SMS at 12p' });
      expect(run.status).toBe(201);
      const applied = await admin().post(`/v1/rerating-runs/${run.body.runId}/apply`, {});
      expect(applied.status).toBe(200);
      // PAYG SMS: PER-1 (March); PER-5 and PER-L1 (April); PER-6 (May); VAL-4 (July): 2p more each.
      expect(applied.body.messagesChanged).toBe(5);

      expect(await revenue('2003-03-01', '2003-07-31')).toEqual(closedMonths);
      const august = day(await revenue('2003-08-01', '2003-08-01'), '2003-08-01');
      const moved = recognised(300, 50, 8) - recognised(300, 50, 7);
      expect(august).toEqual({
        date: '2003-08-01',
        ...figures(0, augustBefore.paygPence + 10, moved, -moved),
        adjustments: [
          { period: '2003-03', ...figures(0, 2, 0) },
          { period: '2003-04', ...figures(0, 4, 0) },
          { period: '2003-05', ...figures(0, 2, 0) },
          { period: '2003-07', ...figures(0, 2, moved, -moved) },
        ],
      });
      expect((await finance().get('/v1/messages/PER-1')).body).toMatchObject({ pence: 12 });
    });

    it('a rebuild from the event store answers every figure the same, and verify finds no difference', async () => {
      const projections = READ_MODEL_PROJECTIONS.map((Projection) => new Projection());
      const live = {
        revenue: await revenue('2003-01-01', '2003-12-31'),
        periods: (await finance().get('/v1/finance/periods')).body,
      };
      const client = await pool.connect();
      try {
        expect(await verifyReadModels(client, new PostgresEventStore(), projections, () => undefined)).toEqual([]);
        await rebuildReadModels(client, new PostgresEventStore(), projections, () => undefined);
      } finally {
        client.release();
      }
      expect({
        revenue: await revenue('2003-01-01', '2003-12-31'),
        periods: (await finance().get('/v1/finance/periods')).body,
      }).toEqual(live);
    });
  });
});
