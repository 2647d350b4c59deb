import { TOPICS } from '@ledger/contracts';
import pg from 'pg';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  messageSent,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';

const SUBSCRIBER = '447700900321';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The value of one sample of the exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics, logs and health for operations', () => {
  const environment = isolatedEnvironment('observability');
  environment.env.HEALTH_MAX_LAG = '2';
  const messageTopic = environment.topic(TOPICS.messageSent);
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;

  const lagOf = async (): Promise<number> => {
    const ingest = await apiClient(ledger.url).get('/v1/ingest');
    return ingest.body.partitions.reduce((sum: number, partition: { lag: string }) => sum + Number(partition.lag), 0);
  };
  const metricsText = async (): Promise<string> => {
    const response = await fetch(`${ledger.url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await network?.close();
    await ledger?.close();
  });

  it('answers /health, /health/live and /health/ready without a key, in Terminus shape', async () => {
    const health = await eventually(async () => {
      const response = await apiClient(ledger.url, null).get('/health');
      expect(response.status).toBe(200);
      return response.body;
    });
    expect(health).toEqual({
      status: 'ok',
      info: health.details,
      error: {},
      details: {
        database: expect.objectContaining({ status: 'up', responseTime: expect.any(Number) }),
        broker: expect.objectContaining({ status: 'up', brokers: expect.any(Number) }),
        consumer: { status: 'up', group: environment.env.KAFKA_GROUP_ID },
        partitions: { status: 'up', stalledAfterSeconds: 60 },
        offsetGaps: { status: 'up' },
        deadLetters: { status: 'up', pending: 0, boundSeconds: 60 },
      },
    });

    const live = await apiClient(ledger.url, null).get('/health/live');
    expect(live).toEqual({
      status: 200,
      body: {
        status: 'ok',
        info: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
        error: {},
        details: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
      },
    });

    const ready = await eventually(async () => {
      const response = await apiClient(ledger.url, null).get('/health/ready');
      expect(response.status).toBe(200);
      return response.body;
    });
    expect(Object.keys(ready.details)).toEqual([
      'database',
      'broker',
      'consumer',
      'partitions',
      'offsetGaps',
      'deadLetters',
      'lag',
    ]);
    expect(ready.details.lag).toEqual({ status: 'up', records: 0, bound: 2 });
  });

  it('returns the caller request id, or a fresh one, on every answer', async () => {
    const given = await fetch(`${ledger.url}/health/live`, { headers: { 'x-request-id': 'ops-trace-0001' } });
    expect(given.headers.get('x-request-id')).toBe('ops-trace-0001');
    const refused = await fetch(`${ledger.url}/v1/ingest`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toMatch(UUID);
    const other = await fetch(`${ledger.url}/v1/ingest`);
    expect(other.headers.get('x-request-id')).not.toBe(refused.headers.get('x-request-id'));
  });

  it('exposes consumption, rating outcomes, rejections, lag and HTTP traffic to Prometheus, naming no subscriber', async () => {
    const charged = messageSent({ sender: { msisdn: SUBSCRIBER, network: 'O2-UK' } });
    const notOurs = messageSent({
      sender: { msisdn: '447900900654', network: 'VODAFONE-UK' },
      recipient: { msisdn: '447800900456', network: 'ORANGE-UK' },
    });
    await network.send(messageTopic, [
      { key: SUBSCRIBER, value: JSON.stringify(charged) },
      { key: SUBSCRIBER, value: JSON.stringify(charged) },
      { key: SUBSCRIBER, value: `not json from ${SUBSCRIBER}` },
      { key: '447900900654', value: JSON.stringify(notOurs) },
    ]);
    await eventually(async () => expect(await lagOf()).toBe(0));

    const api = apiClient(ledger.url);
    expect((await api.get(`/v1/subscribers/${SUBSCRIBER}/balance`)).status).toBe(200);
    expect((await apiClient(ledger.url, null).get(`/v1/subscribers/${SUBSCRIBER}/balance`)).status).toBe(401);
    expect((await api.get(`/v1/no-such-thing/${SUBSCRIBER}`)).status).toBe(404);

    const response = await fetch(`${ledger.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    expect(sample(text, `ledger_records_consumed_total{topic="${messageTopic}"}`)).toBe(4);
    expect(sample(text, 'ledger_records_rated_total{outcome="charged"}')).toBe(1);
    expect(sample(text, 'ledger_records_rated_total{outcome="repeat"}')).toBe(1);
    expect(sample(text, 'ledger_records_rated_total{outcome="rejected"}')).toBe(1);
    expect(sample(text, 'ledger_records_rated_total{outcome="unrated"}')).toBe(0);
    expect(sample(text, 'ledger_records_rejected_total{reason="NOT_JSON"}')).toBe(1);
    expect(sample(text, 'ledger_records_rejected_total{reason="NOT_O2_TRAFFIC"}')).toBe(1);
    expect(sample(text, 'ledger_batch_size_sum')).toBe(4);
    expect(sample(text, 'ledger_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, `ledger_consumer_lag{topic="${messageTopic}",partition="0"}`)).toBe(0);
    expect(sample(text, 'ledger_projection_position')).toBe(2);

    expect(sample(text, 'http_requests_total{method="GET",route="/v1/subscribers/:msisdn/balance",status="200"}')).toBe(
      1,
    );
    expect(sample(text, 'http_requests_total{method="GET",route="/v1/subscribers/:msisdn/balance",status="401"}')).toBe(
      1,
    );
    expect(sample(text, 'http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(
      sample(text, 'http_request_duration_seconds_count{method="GET",route="/v1/subscribers/:msisdn/balance"}'),
    ).toBe(2);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);

    expect(text).not.toMatch(/4479009006|4477009003|4478009004/);
  });

  it('is not ready while the backlog exceeds HEALTH_MAX_LAG, and ready again once it drains', async () => {
    const blocker = await pool.connect();
    try {
      // Holds the ledger's next slice at its offset lock, so the backlog stays put while it is checked.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE ingest_offsets IN EXCLUSIVE MODE');
      await network.send(
        messageTopic,
        [1, 2, 3].map(() => ({
          key: SUBSCRIBER,
          value: JSON.stringify(messageSent({ sender: { msisdn: SUBSCRIBER, network: 'O2-UK' } })),
        })),
      );
      const notReady = await eventually(async () => {
        const response = await apiClient(ledger.url, null).get('/health/ready');
        expect(response.status).toBe(503);
        return response.body;
      });
      expect(notReady.status).toBe('error');
      expect(notReady.error).toEqual({ lag: { status: 'down', records: 3, bound: 2 } });
      expect(notReady.info).toEqual(
        expect.objectContaining({ database: expect.anything(), consumer: expect.anything() }),
      );
      // The backlog is a readiness matter: /health keeps to SPEC section 5 and stays 200.
      expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200);
      // The three held records show in the lag gauge, whichever partition their key hashes to.
      const lagSamples = (await metricsText())
        .split('\n')
        .filter((line) => line.startsWith(`ledger_consumer_lag{topic="${messageTopic}",`));
      expect(lagSamples).toHaveLength(3);
      expect(lagSamples.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)).toBe(3);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    await eventually(async () => expect((await apiClient(ledger.url, null).get('/health/ready')).status).toBe(200));
    expect(sample(await metricsText(), `ledger_records_consumed_total{topic="${messageTopic}"}`)).toBe(7);
  });
});
