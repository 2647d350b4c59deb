import { TOPICS } from '@ledger/contracts';
import { mms as media, o2, on, sms, startFinanceLedger, type FinanceLedger } from '../support/finance-ledger.js';
import { apiClient, eventually, isolatedEnvironment, KEYS } from '../support/ledger-harness.js';

/**
 * One small world, fed once, with every figure worked out by hand below. Each scenario has subscribers and
 * days of its own; deferred revenue is a running balance, so later days carry what earlier scenarios left deferred.
 *
 *   PAYG (447700920001), no bolt-ons: 2003-03-31 SMS 10 + MMS 70 + MMS 70 (00:30+01:00 on 04-01 is 03-31 in UTC)
 *     = 150p; 2003-04-01T00:00Z MMS at the new price 35p. A GBP3 bought on 03-31 is refused: no sale.
 *   GBP9, 900p/200u (447700920002), bought 2003-04-11T00:30+02:00, i.e. 04-10 UTC. floor(900c/200):
 *     04-11 SMS c=1 -> 4, MMS c=5 -> 22: recognised 22. 04-12 SMS (00:30+01:00 on 04-13) c=6 -> 27, SMS c=7 -> 31:
 *     recognised 9. Deferred at the end of 04-10 900, of 04-11 878, of 04-12 and after 869.
 *   GBP7, 700p/150u (447700920003), bought 2003-04-20T09:00Z. floor(700c/150) moves by 4 or 5 per unit:
 *     one SMS a day from 04-20 to 04-23 -> 4, 9, 14, 18: recognised 4, 5, 5, 4; 04-24 MMS c=8 -> 37: 19.
 *     Deferred at the end of 04-24: 869 + 700 - 37 = 1532.
 *   Interconnect (447700920004 on O2-UK): outbound and inbound traffic on 2003-05-01 and 05-02, see `traffic`.
 *     Its PAYG: 04-30 10, 05-01 65, 05-02 65, 05-03 10.
 */
const PAYG = '447700920001';
const GBP9_BUYER = '447700920002';
const GBP7_BUYER = '447700920003';
const O2_USER = '447700920004';
const VODAFONE_USER = '447800920005';
const THREE_USER = '447900920006';
const ORANGE_USER = '447800920007';

const payg = [
  sms('FIN-PAYG-1', '2003-03-31T12:00:00Z', o2(PAYG), o2('447700929999')),
  media('FIN-PAYG-2', '2003-04-01T00:30:00+01:00', o2(PAYG), o2('447700929999')),
  media('FIN-PAYG-3', '2003-03-31T23:59:59Z', o2(PAYG), o2('447700929999')),
  media('FIN-PAYG-4', '2003-04-01T00:00:00Z', o2(PAYG), o2('447700929999')),
];

const gbp9Uses = [
  sms('FIN-GBP9-1', '2003-04-11T08:00:00Z', o2(GBP9_BUYER), o2('447700929999')),
  media('FIN-GBP9-2', '2003-04-11T09:00:00Z', o2(GBP9_BUYER), o2('447700929999')),
  sms('FIN-GBP9-3', '2003-04-13T00:30:00+01:00', o2(GBP9_BUYER), o2('447700929999')),
  sms('FIN-GBP9-4', '2003-04-12T23:59:59Z', o2(GBP9_BUYER), o2('447700929999')),
];

const gbp7Uses = [
  sms('FIN-GBP7-1', '2003-04-20T10:00:00Z', o2(GBP7_BUYER), o2('447700929999')),
  sms('FIN-GBP7-2', '2003-04-21T10:00:00Z', o2(GBP7_BUYER), o2('447700929999')),
  sms('FIN-GBP7-3', '2003-04-22T10:00:00Z', o2(GBP7_BUYER), o2('447700929999')),
  sms('FIN-GBP7-4', '2003-04-23T10:00:00Z', o2(GBP7_BUYER), o2('447700929999')),
  media('FIN-GBP7-5', '2003-04-24T10:00:00Z', o2(GBP7_BUYER), o2('447700929999')),
];

const traffic = [
  sms('FIN-IC-D0', '2003-04-30T23:59:59Z', o2(O2_USER), on('VODAFONE-UK')),
  sms('FIN-IC-D1', '2003-05-01T08:00:00Z', o2(O2_USER), on('VODAFONE-UK')),
  media('FIN-IC-D2', '2003-05-01T09:00:00Z', o2(O2_USER), on('VODAFONE-UK')),
  sms('FIN-IC-D3', '2003-05-01T10:00:00Z', o2(O2_USER), on('ORANGE-UK')),
  media('FIN-IC-D4', '2003-05-01T11:00:00Z', o2(O2_USER), on('THREE-UK')), // NO_MMS_INTERCONNECT
  sms('FIN-IC-D5', '2003-05-01T12:00:00Z', o2(O2_USER), o2('447700929999')), // not interconnect
  sms('FIN-IC-D6', '2003-05-02T08:00:00Z', o2(O2_USER), on('VODAFONE-UK')),
  media('FIN-IC-D7', '2003-05-02T09:00:00Z', o2(O2_USER), on('TMOBILE-UK')),
  sms('FIN-IC-D8', '2003-05-02T10:00:00Z', o2(O2_USER), on('THREE-UK')),
  sms('FIN-IC-D9', '2003-05-02T11:00:00Z', o2(O2_USER), on('OTHER')),
  sms('FIN-IC-D10', '2003-05-03T00:00:00Z', o2(O2_USER), on('VODAFONE-UK')),
  sms('FIN-IC-V1', '2003-05-01T13:00:00Z', on('VODAFONE-UK', VODAFONE_USER), o2(O2_USER)),
  media('FIN-IC-V2', '2003-05-02T12:00:00Z', on('VODAFONE-UK', VODAFONE_USER), o2(O2_USER)),
  media('FIN-IC-T1', '2003-05-01T14:00:00Z', on('THREE-UK', THREE_USER), o2(O2_USER)), // NO_MMS_INTERCONNECT
  sms('FIN-IC-T2', '2003-05-02T13:00:00Z', on('THREE-UK', THREE_USER), o2(O2_USER)),
  sms('FIN-IC-X1', '2003-05-02T14:00:00Z', on('VODAFONE-UK', ORANGE_USER), on('ORANGE-UK')), // NOT_O2_TRAFFIC
];

const allMessages = [...payg, ...gbp9Uses, ...gbp7Uses, ...traffic];

const day = (date: string, boltOnSalesPence: number, paygPence: number, recognisedBoltOnPence: number) => ({
  date,
  boltOnSalesPence,
  paygPence,
  recognisedBoltOnPence,
  breakagePence: 0,
  adjustments: [],
});
const quiet = (date: string) => day(date, 0, 0, 0);
const network = (name: string, outboundSms: number, outboundMms: number, inboundSms: number, inboundMms: number) => ({
  network: name,
  outboundSms,
  outboundMms,
  inboundSms,
  inboundMms,
});

describe('finance reports', () => {
  const environment = isolatedEnvironment('finance');
  let world: FinanceLedger;
  const api = () => world.finance;

  beforeAll(async () => {
    world = await startFinanceLedger(environment);
    const purchases: Parameters<FinanceLedger['buy']>[] = [
      [PAYG, { purchaseId: 'FIN-P-REFUSED', boltOn: 'GBP3', purchasedAt: '2003-03-31T09:00:00Z' }, 422],
      [GBP9_BUYER, { purchaseId: 'FIN-P-GBP9', boltOn: 'GBP9', purchasedAt: '2003-04-11T00:30:00+02:00' }, 201],
      [GBP7_BUYER, { purchaseId: 'FIN-P-GBP7', boltOn: 'GBP7', purchasedAt: '2003-04-20T09:00:00Z' }, 201],
    ];
    // Purchases first, through the synchronous API, so that every message finds its bolt-on recorded.
    for (const purchase of purchases) await world.buy(...purchase);
    await world.publish(allMessages);
    await eventually(async () => {
      const { body } = await world.admin.get('/v1/ingest');
      const messageTopic = body.partitions.filter(
        (p: { topic: string }) => p.topic === environment.topic(TOPICS.messageSent),
      );
      const recorded = messageTopic.reduce((sum: number, p: { nextOffset: string }) => sum + Number(p.nextOffset), 0);
      const lag = body.partitions.reduce((sum: number, p: { lag: string }) => sum + Number(p.lag), 0);
      expect({ recorded, lag }).toEqual({ recorded: allMessages.length, lag: 0 });
    }, 60_000);
  });

  afterAll(async () => {
    await world?.close();
  });

  describe('revenue', () => {
    it('takes PAYG on the UTC day of sentAt, MMS at 70p before 2003-04-01 and 35p from then, SMS at 10p', async () => {
      const response = await api().get('/v1/finance/revenue?from=2003-03-30&to=2003-04-02');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        days: [quiet('2003-03-30'), day('2003-03-31', 0, 150, 0), day('2003-04-01', 0, 35, 0), quiet('2003-04-02')],
        totals: { boltOnSalesPence: 0, paygPence: 185, recognisedBoltOnPence: 0, breakagePence: 0 },
        deferredPence: 0,
      });
    });

    it('books a sale on its UTC purchase day and recognises it on the days of its uses', async () => {
      const response = await api().get('/v1/finance/revenue?from=2003-04-09&to=2003-04-13');
      expect(response.body).toEqual({
        days: [
          quiet('2003-04-09'),
          day('2003-04-10', 900, 0, 0),
          day('2003-04-11', 0, 0, 22),
          day('2003-04-12', 0, 0, 9),
          quiet('2003-04-13'),
        ],
        totals: { boltOnSalesPence: 900, paygPence: 0, recognisedBoltOnPence: 31, breakagePence: 0 },
        deferredPence: 869,
      });
    });

    it('gives deferred revenue as at the end of the last day', async () => {
      const deferredAt = async (date: string) =>
        (await api().get(`/v1/finance/revenue?from=${date}&to=${date}`)).body.deferredPence;
      expect(await deferredAt('2003-04-09')).toBe(0);
      expect(await deferredAt('2003-04-10')).toBe(900);
      expect(await deferredAt('2003-04-11')).toBe(878);
      expect(await deferredAt('2003-04-12')).toBe(869);
      expect(await deferredAt('2003-04-19')).toBe(869);
      expect(await deferredAt('2003-04-20')).toBe(869 + 700 - 4);
      expect(await deferredAt('2003-04-24')).toBe(869 + 700 - 37);
    });

    it('recognises a GBP7 bolt-on by the floor, so equal uses move it by 4p or 5p', async () => {
      const response = await api().get('/v1/finance/revenue?from=2003-04-20&to=2003-04-24');
      expect(response.body).toEqual({
        days: [
          day('2003-04-20', 700, 0, 4),
          day('2003-04-21', 0, 0, 5),
          day('2003-04-22', 0, 0, 5),
          day('2003-04-23', 0, 0, 4),
          day('2003-04-24', 0, 0, 19),
        ],
        totals: { boltOnSalesPence: 700, paygPence: 0, recognisedBoltOnPence: 37, breakagePence: 0 },
        deferredPence: 1532,
      });
    });

    it('lists every day of the range, and recognised plus deferred equals sales over the whole of it', async () => {
      const response = await api().get('/v1/finance/revenue?from=2003-03-01&to=2003-06-30');
      const { days, totals, deferredPence } = response.body;
      expect(days).toHaveLength(122);
      expect(days[0].date).toBe('2003-03-01');
      expect(days[121].date).toBe('2003-06-30');
      expect(days.filter((d: { date: string }) => d.date === '2003-05-01')).toEqual([day('2003-05-01', 0, 65, 0)]);
      expect(totals).toEqual({
        boltOnSalesPence: 1600,
        paygPence: 185 + 150,
        recognisedBoltOnPence: 31 + 37,
        breakagePence: 0,
      });
      expect(deferredPence).toBe(1532);
      expect(totals.recognisedBoltOnPence + deferredPence).toBe(totals.boltOnSalesPence);
    });
  });

  describe('interconnect', () => {
    it('counts charged outbound and recorded inbound traffic per partner network, never rejected messages', async () => {
      const response = await api().get('/v1/finance/interconnect?from=2003-05-01&to=2003-05-02');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        networks: [
          network('VODAFONE-UK', 2, 1, 1, 1),
          network('ORANGE-UK', 1, 0, 0, 0),
          network('TMOBILE-UK', 0, 1, 0, 0),
          network('THREE-UK', 1, 0, 1, 0),
          network('OTHER', 1, 0, 0, 0),
        ],
      });
      for (const messageId of ['FIN-IC-D4', 'FIN-IC-T1']) {
        const rejected = (await api().get(`/v1/messages/${messageId}`)).body;
        expect(rejected).toMatchObject({ kind: 'MMS', status: 'REJECTED', reason: 'NO_MMS_INTERCONNECT' });
      }
      expect((await api().get('/v1/messages/FIN-IC-X1')).body).toMatchObject({ reason: 'NOT_O2_TRAFFIC' });
    });

    it('keeps to the UTC days of the range and lists every network, quiet ones included', async () => {
      expect((await api().get('/v1/finance/interconnect?from=2003-05-01&to=2003-05-01')).body.networks).toEqual([
        network('VODAFONE-UK', 1, 1, 1, 0),
        network('ORANGE-UK', 1, 0, 0, 0),
        network('TMOBILE-UK', 0, 0, 0, 0),
        network('THREE-UK', 0, 0, 0, 0),
        network('OTHER', 0, 0, 0, 0),
      ]);
      expect((await api().get('/v1/finance/interconnect?from=2003-04-30&to=2003-04-30')).body.networks[0]).toEqual(
        network('VODAFONE-UK', 1, 0, 0, 0),
      );
    });

    it('shows the charges behind a network figure for a day, oldest first, page by page', async () => {
      const path = '/v1/finance/interconnect/VODAFONE-UK/messages?date=2003-05-01';
      const first = await api().get(`${path}&limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.items.map((charge: { messageId: string }) => charge.messageId)).toEqual([
        'FIN-IC-D1',
        'FIN-IC-D2',
      ]);
      expect(first.body.items[1]).toMatchObject({ kind: 'MMS', status: 'CHARGED', pence: 35 });
      const second = await api().get(`${path}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body).toEqual({
        items: [expect.objectContaining({ messageId: 'FIN-IC-V1', status: 'RECORDED', pence: 0 })],
        nextCursor: null,
      });
    });

    it('narrows the charges behind a figure to one direction', async () => {
      const ids = async (query: string) =>
        (await api().get(`/v1/finance/interconnect/${query}`)).body.items.map(
          (c: { messageId: string }) => c.messageId,
        );
      expect(await ids('VODAFONE-UK/messages?date=2003-05-02&direction=outbound')).toEqual(['FIN-IC-D6']);
      expect(await ids('VODAFONE-UK/messages?date=2003-05-02&direction=inbound')).toEqual(['FIN-IC-V2']);
      expect(await ids('THREE-UK/messages?date=2003-05-01')).toEqual([]);
      expect(await ids('THREE-UK/messages?date=2003-05-02')).toEqual(['FIN-IC-D8', 'FIN-IC-T2']);
    });
  });

  describe('CSV', () => {
    const csv = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(world.url + path, {
        headers: { authorization: `Bearer ${KEYS.finance}`, ...headers },
      });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
        response,
      };
    };

    it('answers revenue as CSV to Accept: text/csv, with a total row and deferred revenue at the end of each day', async () => {
      const { status, type, text } = await csv('/v1/finance/revenue?from=2003-04-10&to=2003-04-12', {
        accept: 'text/csv',
      });
      expect(status).toBe(200);
      expect(type).toBe('text/csv; charset=utf-8');
      expect(text).toBe(
        'date,row,period,boltOnSalesPence,paygPence,recognisedBoltOnPence,breakagePence,deferredPence\r\n' +
          '2003-04-10,day,2003-04,900,0,0,0,900\r\n' +
          '2003-04-11,day,2003-04,0,0,22,0,878\r\n' +
          '2003-04-12,day,2003-04,0,0,9,0,869\r\n' +
          'total,total,,900,0,31,0,869\r\n',
      );
    });

    it('answers interconnect as CSV to ?format=csv', async () => {
      const { type, text } = await csv('/v1/finance/interconnect?from=2003-05-01&to=2003-05-02&format=csv');
      expect(type).toBe('text/csv; charset=utf-8');
      expect(text).toBe(
        'network,outboundSms,outboundMms,inboundSms,inboundMms\r\n' +
          'VODAFONE-UK,2,1,1,1\r\n' +
          'ORANGE-UK,1,0,0,0\r\n' +
          'TMOBILE-UK,0,1,0,0\r\n' +
          'THREE-UK,1,0,1,0\r\n' +
          'OTHER,1,0,0,0\r\n',
      );
    });

    it('answers the charges behind a figure as CSV, the next page cursor in a header', async () => {
      const path = '/v1/finance/interconnect/VODAFONE-UK/messages?date=2003-05-01&format=csv';
      const first = await csv(`${path}&limit=2`);
      const header =
        'messageId,sentAt,direction,kind,senderMsisdn,senderNetwork,recipientMsisdn,recipientNetwork,roamingCountry,status,units,pence\r\n';
      expect(first.text).toBe(
        header +
          `FIN-IC-D1,2003-05-01T08:00:00Z,outbound,SMS,${O2_USER},O2-UK,447800929999,VODAFONE-UK,,CHARGED,0,10\r\n` +
          `FIN-IC-D2,2003-05-01T09:00:00Z,outbound,MMS,${O2_USER},O2-UK,447800929999,VODAFONE-UK,,CHARGED,0,35\r\n`,
      );
      const cursor = first.response.headers.get('x-next-cursor');
      expect(cursor).toEqual(expect.any(String));
      const second = await csv(`${path}&limit=2&cursor=${encodeURIComponent(cursor ?? '')}`);
      expect(second.text).toBe(
        header +
          `FIN-IC-V1,2003-05-01T13:00:00Z,inbound,SMS,${VODAFONE_USER},VODAFONE-UK,${O2_USER},O2-UK,,RECORDED,0,0\r\n`,
      );
      expect(second.response.headers.get('x-next-cursor')).toBeNull();
    });

    it('answers JSON when asked for JSON or for anything', async () => {
      for (const headers of [{}, { accept: '*/*' }, { accept: 'application/json' }] as Record<string, string>[]) {
        const { type } = await csv('/v1/finance/interconnect?from=2003-05-01&to=2003-05-01', headers);
        expect(type).toMatch(/^application\/json/);
      }
      const { type } = await csv('/v1/finance/interconnect?from=2003-05-01&to=2003-05-01&format=json', {
        accept: 'text/csv',
      });
      expect(type).toMatch(/^application\/json/);
    });
  });

  describe('bad requests', () => {
    it.each([
      ['from is missing', '/v1/finance/revenue?to=2003-04-01', 'from:'],
      ['to is missing', '/v1/finance/interconnect?from=2003-04-01', 'to:'],
      ['from is not a real date', '/v1/finance/revenue?from=2003-02-29&to=2003-04-01', 'from:'],
      ['to is not written YYYY-MM-DD', '/v1/finance/revenue?from=2003-04-01&to=2003-4-2', 'to:'],
      ['to is an instant, not a date', '/v1/finance/interconnect?from=2003-04-01&to=2003-04-02T00:00:00Z', 'to:'],
      ['from is after to', '/v1/finance/revenue?from=2003-04-02&to=2003-04-01', 'to: must not be before from'],
      ['the range holds more than 3660 days', '/v1/finance/revenue?from=2000-01-01&to=2010-01-08', 'at most 3660 days'],
      ['an unknown parameter is given', '/v1/finance/revenue?from=2003-04-01&to=2003-04-01&currency=GBP', 'currency'],
      [
        'format is neither json nor csv',
        '/v1/finance/interconnect?from=2003-04-01&to=2003-04-01&format=xlsx',
        'format:',
      ],
      ['the network is not a partner network', '/v1/finance/interconnect/O2-UK/messages?date=2003-05-01', 'network:'],
      [
        'the direction is unknown',
        '/v1/finance/interconnect/OTHER/messages?date=2003-05-01&direction=both',
        'direction:',
      ],
      ['the date is missing', '/v1/finance/interconnect/OTHER/messages', 'date:'],
      [
        'the cursor was not issued by the ledger',
        '/v1/finance/interconnect/OTHER/messages?date=2003-05-01&cursor=abc.def',
        'cursor:',
      ],
    ])('answers 400 when %s', async (_case, path, explanation) => {
      const response = await api().get(path);
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(explanation);
    });

    it('takes a range of exactly 3660 days', async () => {
      const response = await api().get('/v1/finance/revenue?from=2000-01-01&to=2010-01-07');
      expect(response.status).toBe(200);
      expect(response.body.days).toHaveLength(3660);
    });
  });

  describe('access', () => {
    const paths = [
      '/v1/finance/revenue?from=2003-04-01&to=2003-04-01',
      '/v1/finance/interconnect?from=2003-04-01&to=2003-04-01',
      '/v1/finance/interconnect/OTHER/messages?date=2003-04-01',
    ];

    it('refuses calls without a key or with an unknown one (401), and the retail role (403)', async () => {
      for (const path of paths) {
        expect((await apiClient(world.url, null).get(path)).status).toBe(401);
        expect((await apiClient(world.url, 'not-a-key-at-all').get(path)).status).toBe(401);
        expect((await apiClient(world.url, KEYS.retail).get(path)).status).toBe(403);
      }
    });

    it('lets the finance and admin roles in', async () => {
      for (const path of paths) {
        expect((await apiClient(world.url, KEYS.finance).get(path)).status).toBe(200);
        expect((await apiClient(world.url, KEYS.admin).get(path)).status).toBe(200);
      }
    });
  });
});
