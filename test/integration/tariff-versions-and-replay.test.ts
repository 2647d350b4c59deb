import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@ledger/contracts';
import { DEFAULT_TARIFF_FILE } from '@ledger/rating';
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

interface RejectionItem {
  reason: string;
  payload: string;
  replayedAt: string | null;
  replayOutcome: string | null;
}

const SUBSCRIBER = '447700930001';

/** The default tariff with no SMS price before 1 April: March texts cannot be rated. */
function tariffWithoutMarchSms(): Record<string, unknown> {
  const document = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as {
    version: string;
    paygPrices: { kind: string; effectiveFrom: string }[];
  };
  document.version = 'no-sms-before-april';
  for (const price of document.paygPrices) if (price.kind === 'SMS') price.effectiveFrom = '2003-04-01T00:00:00Z';
  return document;
}

describe('tariff versions in the database, and replaying what the tariff could not rate', () => {
  const environment = isolatedEnvironment('tariffreplay');
  const directory = mkdtempSync(join(tmpdir(), 'ledger-tariff-'));
  const noMarchSms = join(directory, 'no-march-sms.json');
  let ledger: RunningLedger;
  let network: Upstream;
  let api: ReturnType<typeof apiClient>;

  const start = async (tariffFile: string): Promise<void> => {
    ledger = await startLedger({ ...environment, env: { ...environment.env, TARIFF_FILE: tariffFile } });
    // The harness copies its environment into this process: the next test file must not inherit the file.
    delete process.env.TARIFF_FILE;
    api = apiClient(ledger.url);
    await eventually(async () => expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200), 30_000);
  };

  const rejections = async (): Promise<RejectionItem[]> =>
    (await api.get<{ items: RejectionItem[] }>('/v1/rejections?limit=1000')).body.items;

  const sms = (messageId: string, sentAt: string) =>
    messageSent({ messageId, sentAt, sender: { msisdn: SUBSCRIBER, network: 'O2-UK' } });

  beforeAll(async () => {
    writeFileSync(noMarchSms, JSON.stringify(tariffWithoutMarchSms()));
    await start(noMarchSms);
    network = await upstream();
  }, 60_000);

  afterAll(async () => {
    await network?.close();
    await ledger?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores the TARIFF_FILE of the first start as version 1, shown to every role', async () => {
    const current = await apiClient(ledger.url, KEYS.retail).get('/v1/tariff');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ version: 1, tariff: { version: 'no-sms-before-april' } });
    expect(Date.parse(current.body.createdAt)).not.toBeNaN();
    const versions = await apiClient(ledger.url, KEYS.finance).get('/v1/tariff/versions');
    expect(versions.body).toEqual({ versions: [{ version: 1, createdAt: current.body.createdAt }] });
  });

  it('keeps each text it cannot price as a NO_PAYG_PRICE rejection, and a replay under the same tariff leaves it', async () => {
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: SUBSCRIBER, value: JSON.stringify(sms('RP-1', '2003-03-15T10:00:00Z')) },
      { key: SUBSCRIBER, value: JSON.stringify(sms('RP-2', '2003-03-16T10:00:00Z')) },
      { key: SUBSCRIBER, value: JSON.stringify(sms('RP-3', '2003-04-16T10:00:00Z')) },
    ]);
    await eventually(async () => {
      expect((await rejections()).filter((r) => r.reason === 'NO_PAYG_PRICE')).toHaveLength(2);
      expect((await api.get('/v1/messages/RP-3')).body).toMatchObject({
        status: 'CHARGED',
        pence: 10,
        tariffVersion: 1,
      });
    }, 30_000);
    expect((await api.get('/v1/messages/RP-1')).status).toBe(404);
    const replay = await api.post('/v1/rejections/replay', { reason: 'NO_PAYG_PRICE' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ replayed: 0, charged: 0, recorded: 0, rejected: 0, stillUnrated: 2 });
    expect((await rejections()).every((r) => r.replayedAt === null)).toBe(true);
  });

  it('refuses a replay of another reason, and bad bounds, naming them', async () => {
    const other = await api.post('/v1/rejections/replay', { reason: 'NOT_JSON' });
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(/reason/);
    const bounds = await api.post('/v1/rejections/replay', { reason: 'NO_PAYG_PRICE', from: 'yesterday' });
    expect(bounds.status).toBe(400);
    expect(bounds.body.message).toMatch(/from/);
    expect(
      (await apiClient(ledger.url, KEYS.finance).post('/v1/rejections/replay', { reason: 'NO_PAYG_PRICE' })).status,
    ).toBe(403);
  });

  it('stores a TARIFF_FILE at a restart only when it differs from the current version', async () => {
    await ledger.close();
    await start(noMarchSms);
    expect((await api.get('/v1/tariff')).body.version).toBe(1);
    await ledger.close();
    await start(DEFAULT_TARIFF_FILE);
    expect((await api.get('/v1/tariff')).body).toMatchObject({ version: 2, tariff: { version: '2003-04-01.1' } });
    expect((await api.get('/v1/tariff/versions')).body.versions.map((v: { version: number }) => v.version)).toEqual([
      1, 2,
    ]);
  }, 60_000);

  it('answers a tariff posted again unchanged with its version, storing nothing', async () => {
    const same = await api.post('/v1/tariff/versions', JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')));
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);
  });

  it('rates each NO_PAYG_PRICE input again in the order received under the current tariff, once', async () => {
    const replay = await api.post('/v1/rejections/replay', { reason: 'NO_PAYG_PRICE' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ replayed: 2, charged: 2, recorded: 0, rejected: 0, stillUnrated: 0 });
    for (const messageId of ['RP-1', 'RP-2']) {
      expect((await api.get(`/v1/messages/${messageId}`)).body).toMatchObject({
        status: 'CHARGED',
        pence: 10,
        tariffVersion: 2,
        corrections: [],
      });
    }
    const replayed = (await rejections()).filter((r) => r.reason === 'NO_PAYG_PRICE');
    expect(replayed.map((r) => r.replayOutcome)).toEqual(['CHARGED', 'CHARGED']);
    expect(replayed.every((r) => r.replayedAt !== null)).toBe(true);
    // In the order received: RP-1 was appended to the stream before RP-2.
    const charges = await api.get<{ items: { messageId: string }[] }>(`/v1/subscribers/${SUBSCRIBER}/charges`);
    expect(charges.body.items.map((c) => c.messageId)).toEqual(['RP-1', 'RP-2', 'RP-3']);
    const again = await api.post('/v1/rejections/replay', { reason: 'NO_PAYG_PRICE' });
    expect(again.body).toEqual({ replayed: 0, charged: 0, recorded: 0, rejected: 0, stillUnrated: 0 });
  });

  it('rates what arrives after a new version with it, and the charge says so', async () => {
    const cheaper = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as {
      paygPrices: { kind: string; pricePence: number }[];
    };
    for (const price of cheaper.paygPrices) if (price.kind === 'SMS') price.pricePence = 7;
    const stored = await api.post('/v1/tariff/versions', cheaper);
    expect(stored.status).toBe(201);
    expect(stored.body.version).toBe(3);
    await network.send(environment.topic(TOPICS.messageSent), [
      { key: SUBSCRIBER, value: JSON.stringify(sms('RP-4', '2003-04-17T10:00:00Z')) },
    ]);
    await eventually(async () => {
      expect((await api.get('/v1/messages/RP-4')).body).toMatchObject({ pence: 7, tariffVersion: 3 });
    }, 30_000);
    expect((await api.get('/v1/messages/RP-3')).body).toMatchObject({ pence: 10, tariffVersion: 1 });
  });
});
