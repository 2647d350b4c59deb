import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TOPICS } from '@ledger/contracts';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  KEYS,
  messageSent,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(tmpdir(), 'message-ledger-test-output', 'dashboard.png');
const VIEWPORT = { width: 1280, height: 900 };
const RANGE = { from: '2003-04-01', to: '2003-06-30' };

/**
 * A small world inside the dashboard's default range, and one message after it:
 *   BUYER buys GBP5 (500p, 100u) on 04-02 and sends SMS, MMS (to Vodafone), SMS: 6 units, 94 left.
 *   SECOND buys GBP3 on 05-01 and GBP7 on 06-10, and sends to T-Mobile, Three and Orange.
 *   PAYG has no bolt-on; Vodafone, Orange and T-Mobile subscribers send to O2 (inbound interconnect).
 */
const BUYER = '447700970001';
const SECOND = '447700970002';
const PAYG = '447700970003';
const o2 = (msisdn: string) => ({ msisdn, network: 'O2-UK' });
const on = (network: string, msisdn = '447800979999') => ({ msisdn, network });
const picture = { mms: { sizeBytes: 20_000, content: ['image'] } };
const sms = (messageId: string, sentAt: string, sender: object, recipient: object) =>
  messageSent({ messageId, kind: 'SMS', sentAt, sender, recipient });
const mms = (messageId: string, sentAt: string, sender: object, recipient: object) =>
  messageSent({ messageId, kind: 'MMS', sentAt, sender, recipient, ...picture });

const purchases = [
  { msisdn: BUYER, purchaseId: 'DASH-P-1', boltOn: 'GBP5', purchasedAt: '2003-04-02T09:00:00Z' },
  { msisdn: SECOND, purchaseId: 'DASH-P-2', boltOn: 'GBP3', purchasedAt: '2003-05-01T08:00:00Z' },
  { msisdn: SECOND, purchaseId: 'DASH-P-3', boltOn: 'GBP7', purchasedAt: '2003-06-10T08:00:00Z' },
];
const messages = [
  sms('DASH-M-01', '2003-04-03T10:00:00Z', o2(BUYER), o2('447700979999')),
  mms('DASH-M-02', '2003-04-05T11:00:00Z', o2(BUYER), on('VODAFONE-UK')),
  sms('DASH-M-03', '2003-05-10T12:00:00Z', o2(BUYER), on('ORANGE-UK')),
  sms('DASH-M-04', '2003-05-02T08:30:00Z', o2(SECOND), on('TMOBILE-UK')),
  sms('DASH-M-05', '2003-05-03T08:30:00Z', o2(SECOND), on('THREE-UK')),
  mms('DASH-M-06', '2003-06-12T09:00:00Z', o2(SECOND), on('ORANGE-UK')),
  sms('DASH-M-07', '2003-04-10T15:00:00Z', o2(PAYG), on('VODAFONE-UK')),
  mms('DASH-M-08', '2003-06-01T15:00:00Z', o2(PAYG), on('ORANGE-UK')),
  sms('DASH-M-09', '2003-06-02T15:00:00Z', o2(PAYG), on('OTHER')),
  sms('DASH-M-10', '2003-07-02T15:00:00Z', o2(PAYG), on('VODAFONE-UK')),
  sms('DASH-M-11', '2003-04-15T07:00:00Z', on('VODAFONE-UK', '447800970004'), o2(BUYER)),
  mms('DASH-M-12', '2003-05-20T07:00:00Z', on('ORANGE-UK', '447800970005'), o2(BUYER)),
  sms('DASH-M-13', '2003-06-20T07:00:00Z', on('TMOBILE-UK', '447800970006'), o2(PAYG)),
];

/** What the page shows for pence and instants; the page's own formatting, restated. */
const pounds = (pence: number) =>
  `${pence < 0 ? '-' : ''}£${Math.trunc(Math.abs(pence) / 100).toLocaleString('en-GB')}.${String(Math.abs(pence) % 100).padStart(2, '0')}`;
const instant = (value: string) => value.replace('T', ' ').replace(/(\.\d+)?Z$/, '');

const tableRows = (page: Page, selector: string) =>
  page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((tableRow) =>
      Array.from(tableRow.children, (cell: { textContent: string | null }) => cell.textContent?.trim()),
    ),
  );
const dataValues = (page: Page, selector: string) =>
  page.$$eval(selector, (elements) => elements.map((element) => Number(element.getAttribute('data-value'))));

describe('the finance dashboard', () => {
  const environment = isolatedEnvironment('dashboard');
  let ledger: RunningLedger;
  let network: Upstream;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    const retail = apiClient(ledger.url, KEYS.retail);
    for (const { msisdn, ...purchase } of purchases) {
      expect((await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase)).status).toBe(201);
    }
    await network.send(
      environment.topic(TOPICS.messageSent),
      messages.map((message) => ({
        key: (message.sender as { msisdn: string }).msisdn,
        value: JSON.stringify(message),
      })),
    );
    const api = apiClient(ledger.url);
    await eventually(async () => {
      const { partitions } = (await api.get('/v1/ingest')).body as {
        partitions: { topic: string; highWatermark: string; lag: string }[];
      };
      const produced = partitions
        .filter(({ topic }) => topic === environment.topic(TOPICS.messageSent))
        .reduce((sum, { highWatermark }) => sum + Number(highWatermark), 0);
      expect(produced).toBe(messages.length);
      expect(partitions.every(({ lag }) => lag === '0')).toBe(true);
    }, 60_000);
  });

  afterAll(async () => {
    await network?.close();
    await ledger?.close();
  });

  it('serves the page and its modules without a key, typed, under a policy that allows only its own origin', async () => {
    const anonymous = apiClient(ledger.url, null);
    for (const [path, type] of [
      ['/dashboard', 'text/html; charset=utf-8'],
      ['/dashboard/', 'text/html; charset=utf-8'],
      ['/dashboard/index.html', 'text/html; charset=utf-8'],
      ['/dashboard/dashboard.css', 'text/css; charset=utf-8'],
      ['/dashboard/app.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/charts.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/favicon.svg', 'image/svg+xml'],
    ]) {
      const response = await fetch(ledger.url + path);
      expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({
        path,
        status: 200,
        type,
      });
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("connect-src 'self'");
      expect(policy).not.toMatch(/unsafe|\*|https?:|data:/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await anonymous.get('/v1/finance/revenue?from=2003-04-01&to=2003-04-02')).status).toBe(401);
  });

  it.each([
    '/dashboard/..%2Fdashboard.controller.ts',
    '/dashboard/..%2F..%2F..%2F..%2F..%2Fpackage.json',
    '/dashboard/%2e%2e%2fdashboard-assets.ts',
    '/dashboard/..%5Capp.module.ts',
    '/dashboard/%2Fetc%2Fpasswd',
    '/dashboard/dashboard.controller.ts',
    '/dashboard/missing.js',
  ])('answers 404 to %s, which is no file of the dashboard folder', async (path) => {
    const response = await fetch(ledger.url + path);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/Controller|"name"|root:/);
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) {
        throw new Error(
          `the browser tests need Debian chromium at ${CHROMIUM}: sudo apt-get install -y chromium (the test setup installs it when run as root)`,
        );
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'en-GB' });
      page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      page.on('request', (request) => {
        if (!request.url().startsWith(ledger.url)) foreignRequests.push(request.url());
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('shows the totals and deferred figure the API answers, a bar per day and series, and a point per day', async () => {
      const finance = apiClient(ledger.url, KEYS.finance);
      const revenue = (await finance.get(`/v1/finance/revenue?from=${RANGE.from}&to=${RANGE.to}`)).body;
      const interconnect = (await finance.get(`/v1/finance/interconnect?from=${RANGE.from}&to=${RANGE.to}`)).body;
      expect(revenue.days).toHaveLength(91);
      expect(revenue.totals.boltOnSalesPence).toBe(1500);
      expect(revenue.totals.paygPence).toBeGreaterThan(0);

      await page.goto(`${ledger.url}/dashboard`);
      expect(await page.inputValue('#from')).toBe(RANGE.from);
      expect(await page.inputValue('#to')).toBe(RANGE.to);
      await page.fill('#api-key', KEYS.finance);
      await page.click('#load');
      await page.waitForSelector('body[data-finance-state="ready"]');

      for (const [selector, pence] of [
        ['#total-bolt-on-sales', revenue.totals.boltOnSalesPence],
        ['#total-payg', revenue.totals.paygPence],
        ['#total-recognised', revenue.totals.recognisedBoltOnPence],
        ['#deferred', revenue.deferredPence],
      ]) {
        expect({ selector, text: await page.textContent(selector) }).toEqual({ selector, text: pounds(pence) });
        expect(await page.getAttribute(selector, 'data-pence')).toBe(String(pence));
      }
      expect(await page.textContent('#deferred-label')).toContain('30 Jun 2003');

      expect(await page.locator('#revenue-chart rect.bar').count()).toBe(revenue.days.length * 4);
      for (const series of ['boltOnSalesPence', 'paygPence', 'recognisedBoltOnPence', 'breakagePence']) {
        expect(await dataValues(page, `#revenue-chart rect.bar[data-series="${series}"]`)).toEqual(
          revenue.days.map((day: Record<string, number>) => day[series]),
        );
      }
      // Nothing was bought before the range, so deferred at the end of a day is the range's sales less recognised so far.
      let deferred = 0;
      const deferredByDay = revenue.days.map(
        (day: Record<string, number>) =>
          (deferred += day.boltOnSalesPence - day.recognisedBoltOnPence - day.breakagePence),
      );
      expect(deferredByDay[deferredByDay.length - 1]).toBe(revenue.deferredPence);
      expect(await page.locator('#deferred-chart circle.point').count()).toBe(revenue.days.length);
      expect(await dataValues(page, '#deferred-chart circle.point')).toEqual(deferredByDay);

      const networks = interconnect.networks as Record<string, number | string>[];
      expect(networks.map(({ network }) => network)).toEqual([
        'VODAFONE-UK',
        'ORANGE-UK',
        'TMOBILE-UK',
        'THREE-UK',
        'OTHER',
      ]);
      expect(await page.locator('#interconnect-chart rect.bar').count()).toBe(networks.length * 4);
      for (const series of ['outboundSms', 'outboundMms', 'inboundSms', 'inboundMms']) {
        expect(await dataValues(page, `#interconnect-chart rect.bar[data-series="${series}"]`)).toEqual(
          networks.map((traffic) => traffic[series]),
        );
      }
      expect(await tableRows(page, '#interconnect-table')).toEqual(
        networks.map((traffic) =>
          [traffic.network, traffic.outboundSms, traffic.outboundMms, traffic.inboundSms, traffic.inboundMms].map(
            String,
          ),
        ),
      );
      expect(networks.find(({ network }) => network === 'ORANGE-UK')).toMatchObject({ outboundMms: 2, inboundMms: 1 });
    });

    it('keeps the key for the tab only, and loads with it again after a reload', async () => {
      expect(await page.evaluate("sessionStorage.getItem('message-ledger.api-key')")).toBe(KEYS.finance);
      expect(await page.evaluate('localStorage.length')).toBe(0);
      await page.reload();
      await page.waitForSelector('body[data-finance-state="ready"]');
      expect(await page.inputValue('#api-key')).toBe(KEYS.finance);
    });

    it("looks up a subscriber's balance and first page of charges", async () => {
      const finance = apiClient(ledger.url, KEYS.finance);
      const balance = (await finance.get(`/v1/subscribers/${BUYER}/balance`)).body;
      const charges = (await finance.get(`/v1/subscribers/${BUYER}/charges?limit=20`)).body;
      expect(balance.unitsAvailable).toBe(94);
      expect(charges.items).toHaveLength(3);

      await page.fill('#msisdn', BUYER);
      await page.click('#look-up');
      await page.waitForSelector('body[data-subscriber-state="ready"]');
      expect(await page.textContent('#units-available')).toBe('94');
      expect(await tableRows(page, '#balance-table')).toEqual(
        balance.boltOns.map((boltOn: Record<string, any>) => [
          boltOn.purchaseId,
          boltOn.boltOn,
          instant(boltOn.purchasedAt),
          pounds(boltOn.pricePence),
          String(boltOn.units),
          String(boltOn.unitsRemaining),
        ]),
      );
      expect(await tableRows(page, '#balance-table')).toEqual([
        ['DASH-P-1', 'GBP5', '2003-04-02 09:00:00', '£5.00', '100', '94'],
      ]);
      const shown = await tableRows(page, '#charges-table');
      expect(shown.map((cells) => cells[1])).toEqual(
        charges.items.map((charge: { messageId: string }) => charge.messageId),
      );
      expect(shown[1]).toEqual([
        '2003-04-05 11:00:00',
        'DASH-M-02',
        'MMS',
        '447800979999 (VODAFONE-UK)',
        '—',
        'CHARGED',
        '—',
        '4',
        '£0.00',
      ]);
    });

    it('looks right: a full-page screenshot of the expected size, in colour, with the charts drawn', async () => {
      const height = await page.evaluate<number>('document.documentElement.scrollHeight');
      await mkdir(join(SCREENSHOT, '..'), { recursive: true });
      const png = await page.screenshot({ fullPage: true });
      await writeFile(SCREENSHOT, png);
      const image = decodePng(png);
      expect({ width: image.width, height: image.height }).toEqual({ width: VIEWPORT.width, height });
      const colours = countColours(image);
      expect(colours.distinct).toBeGreaterThan(200);
      expect(colours.mostCommonShare).toBeLessThan(0.9);
      // The masthead, a bolt-on sales bar and the deferred line: the stylesheet applied and the charts painted.
      for (const colour of [0x0b3b6f, 0x2563eb, 0x7c3aed, 0x1d4ed8]) {
        expect({ colour: colour.toString(16), pixels: colours.count(colour) > 20 }).toEqual({
          colour: colour.toString(16),
          pixels: true,
        });
      }
    });

    it('loaded nothing from elsewhere and broke no rule of its policy', () => {
      expect(foreignRequests).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it('says clearly when the key is missing or unknown (401), lacks the role (403) or the input is bad (400)', async () => {
      const fresh = await browser.newContext({ viewport: VIEWPORT });
      const errors = await fresh.newPage();
      try {
        await errors.goto(`${ledger.url}/dashboard`);
        expect(await errors.inputValue('#api-key')).toBe('');
        const load = async () => {
          await errors.click('#load');
          await errors.waitForSelector('body[data-finance-state="error"]');
          return {
            status: await errors.getAttribute('#finance-error', 'data-status'),
            title: await errors.textContent('#finance-error .error-title'),
            detail: await errors.textContent('#finance-error .error-detail'),
          };
        };

        expect(await load()).toEqual({
          status: '401',
          title: expect.stringContaining('401'),
          detail: expect.stringContaining('Authorization: Bearer'),
        });
        await errors.fill('#api-key', 'not-a-key-of-this-ledger');
        expect(await load()).toMatchObject({ status: '401', detail: expect.stringContaining('not recognised') });
        await errors.fill('#api-key', KEYS.retail);
        expect(await load()).toEqual({
          status: '403',
          title: expect.stringContaining('403'),
          detail: expect.stringContaining('retail role may not'),
        });
        expect(await errors.isVisible('#finance-error')).toBe(true);
        expect(await errors.textContent('#total-payg')).toBe('—');

        await errors.fill('#api-key', KEYS.finance);
        await errors.fill('#from', '2003-06-30');
        await errors.fill('#to', '2003-04-01');
        expect(await load()).toEqual({
          status: '400',
          title: expect.stringContaining('400'),
          detail: expect.stringContaining('must not be before from'),
        });

        await errors.fill('#msisdn', '12345');
        await errors.click('#look-up');
        await errors.waitForSelector('body[data-subscriber-state="error"]');
        expect(await errors.getAttribute('#subscriber-error', 'data-status')).toBe('400');
        expect(await errors.textContent('#subscriber-error .error-detail')).toContain('msisdn');
        expect(await errors.isHidden('#subscriber-result')).toBe(true);

        await errors.fill('#from', RANGE.from);
        await errors.fill('#to', RANGE.to);
        await errors.click('#load');
        await errors.waitForSelector('body[data-finance-state="ready"]');
        expect(await errors.isHidden('#finance-error')).toBe(true);
      } finally {
        await fresh.close();
      }
    });

    it("lists the rerating runs with an admin key and shows a run's impact: its days and changes", async () => {
      const admin = apiClient(ledger.url, KEYS.admin);
      // The page has been alone with the server for a while: a pooled connection may have been closed under us.
      const current = await eventually(() => admin.get('/v1/tariff'), 5_000);
      const tariff = current.body.tariff as {
        paygPrices: { kind: string; pricePence: number }[];
      };
      for (const price of tariff.paygPrices) if (price.kind === 'SMS') price.pricePence = 12;
      expect((await admin.post('/v1/tariff/versions', tariff)).status).toBe(201);
      const dry = await admin.post('/v1/rerating-runs', { from: '2003-04-01T00:00:00Z', reason: 'SMS at 12p' });
      expect(dry.status).toBe(201);
      expect(dry.body.messagesChanged).toBeGreaterThan(0);

      await page.fill('#api-key', KEYS.admin);
      await page.click('#list-runs');
      await page.waitForSelector('body[data-reratings-state="ready"]');
      expect(await tableRows(page, '#runs-table')).toEqual([
        [
          dry.body.runId.slice(0, 8),
          'DRY_RUN',
          '2003-04-01 00:00:00',
          'SMS at 12p',
          '2',
          String(dry.body.messagesExamined),
          String(dry.body.messagesChanged),
          pounds(dry.body.penceDelta),
          String(dry.body.unitsDelta),
        ],
      ]);
      await page.click(`button[data-run-id="${dry.body.runId}"]`);
      await page.waitForSelector('#run-impact:not([hidden])');
      await page.waitForSelector('body[data-reratings-state="ready"]');
      const days = await tableRows(page, '#run-days-table');
      expect(days).toHaveLength(dry.body.days.length);
      expect(days[0].slice(1)).toEqual([
        pounds(dry.body.days[0].paygPenceDelta),
        pounds(dry.body.days[0].recognisedBoltOnPenceDelta),
      ]);
      const changes = await tableRows(page, '#run-changes-table');
      expect(changes.map((cells) => cells[0])).toEqual(dry.body.changes.map((c: { messageId: string }) => c.messageId));
      expect(changes[0][1]).toBe('CHARGED £0.10');
      expect(changes[0][2]).toBe('CHARGED £0.12');

      // A finance key may not see runs: the panel says so.
      await page.fill('#api-key', KEYS.finance);
      await page.click('#list-runs');
      await page.waitForSelector('body[data-reratings-state="error"]');
      expect(await page.textContent('#reratings-error .error-title')).toContain('403');
    });

    it('lists the accounting periods as the API does, and closes a month and every earlier one with an admin key', async () => {
      type Period = { period: string; status: string; closedAt: string | null; totals: Record<string, number> };
      const finance = apiClient(ledger.url, KEYS.finance);
      const periods = async () => ((await finance.get('/v1/finance/periods')).body as { periods: Period[] }).periods;
      const statuses = async () => Object.fromEntries((await periods()).map(({ period, status }) => [period, status]));
      const shown = (list: Period[]) =>
        list.map(({ period, status, closedAt, totals }) => [
          period,
          status,
          closedAt ? instant(closedAt) : '—',
          ...['boltOnSalesPence', 'paygPence', 'recognisedBoltOnPence', 'breakagePence', 'deferredPence'].map((total) =>
            pounds(totals[total]),
          ),
          status === 'OPEN' ? `Close ${period}` : '',
        ]);
      const allOpen = { '2003-04': 'OPEN', '2003-05': 'OPEN', '2003-06': 'OPEN', '2003-07': 'OPEN' };
      expect(await statuses()).toEqual(allOpen);
      const before = await periods();
      expect(before[0].totals.boltOnSalesPence).toBe(500);

      await page.fill('#api-key', KEYS.finance);
      await page.click('#list-periods');
      await page.waitForSelector('body[data-periods-state="ready"]');
      expect(await tableRows(page, '#periods-table')).toEqual(shown(before));
      expect(await page.textContent('#periods-status')).toBe('4 months with activity, 0 closed.');

      // A finance key may read the periods but not close one: the panel says so, and nothing closes.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('button.close-period[data-period="2003-05"]');
      await page.waitForSelector('body[data-periods-state="error"]');
      expect(await page.getAttribute('#periods-error', 'data-status')).toBe('403');
      expect(await page.isEnabled('button.close-period[data-period="2003-05"]')).toBe(true);

      // Dismissing the confirmation closes nothing.
      await page.fill('#api-key', KEYS.admin);
      let asked = '';
      page.once('dialog', (dialog) => {
        asked = dialog.message();
        void dialog.dismiss();
      });
      await page.click('button.close-period[data-period="2003-05"]');
      await eventually(() => Promise.resolve(expect(asked).toContain('Close 2003-05 and every earlier open month')));
      expect(await statuses()).toEqual(allOpen);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('button.close-period[data-period="2003-05"]');
      await page.waitForSelector('#periods-table tr[data-period="2003-05"][data-status="CLOSED"]');
      await page.waitForSelector('body[data-periods-state="ready"]');
      expect(await statuses()).toEqual({ ...allOpen, '2003-04': 'CLOSED', '2003-05': 'CLOSED' });
      const after = await periods();
      expect(await tableRows(page, '#periods-table')).toEqual(shown(after));
      expect(await page.isHidden('#periods-error')).toBe(true);
      expect(await page.textContent('#periods-status')).toBe('4 months with activity, 2 closed.');
      expect(await page.locator('button.close-period').count()).toBe(2);
    });
  });
});

interface Png {
  width: number;
  height: number;
  channels: number;
  pixels: Buffer;
}

/** Decodes the 8-bit truecolour, non-interlaced PNG that Chromium writes. */
function decodePng(png: Buffer): Png {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let width = 0;
  let height = 0;
  let channels = 0;
  const compressed: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect({ bitDepth: data[8], interlace: data[12] }).toEqual({ bitDepth: 8, interlace: 0 });
      expect([2, 6]).toContain(data[9]);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') compressed.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(compressed));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x += 1) {
      const left = x >= channels ? pixels[row + x - channels] : 0;
      const up = y > 0 ? pixels[row - stride + x] : 0;
      const upLeft = x >= channels && y > 0 ? pixels[row - stride + x - channels] : 0;
      pixels[row + x] = (line[x] + predict(filter, left, up, upLeft)) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** The PNG filter types: none, sub, up, average, Paeth. */
function predict(filter: number, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4: {
      const estimate = left + up - upLeft;
      const toLeft = Math.abs(estimate - left);
      const toUp = Math.abs(estimate - up);
      const toUpLeft = Math.abs(estimate - upLeft);
      if (toLeft <= toUp && toLeft <= toUpLeft) return left;
      return toUp <= toUpLeft ? up : upLeft;
    }
    default:
      throw new Error(`unknown PNG filter ${filter}`);
  }
}

function countColours({ width, height, channels, pixels }: Png) {
  const counts = new Map<number, number>();
  for (let index = 0; index < width * height * channels; index += channels) {
    const colour = (pixels[index] << 16) | (pixels[index + 1] << 8) | pixels[index + 2];
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  return {
    distinct: counts.size,
    mostCommonShare: Math.max(...counts.values()) / (width * height),
    count: (colour: number) => counts.get(colour) ?? 0,
  };
}
