import pg from 'pg';
import { streamOf, TOPICS } from '@ledger/contracts';
import { RatingInvariantError } from '@ledger/rating';
import { IngestBatchService } from '@ledger/app/ingest/application/ingest-batch.service.js';
import {
  apiClient,
  eventually,
  isolatedEnvironment,
  startLedger,
  upstream,
  type RunningLedger,
  type Upstream,
} from '../support/ledger-harness.js';

/**
 * An invariant violation stops the slice loudly (docs/ARCHITECTURE.md, "From a Kafka record"): it is never turned into
 * a rejection, and nothing of the slice is committed. Rating reads a subscriber's bolt-ons from the
 * bolt_ons read model, so a row planted there without its event makes the stream inconsistent: a
 * purchase of that purchaseId is new to the event store, and evolving it finds the bolt-on already held.
 */
describe('an invariant violation fails the slice loudly', () => {
  const environment = isolatedEnvironment('invariant');
  let ledger: RunningLedger;
  let network: Upstream;
  let pool: pg.Pool;

  /** A bolt_ons row with no BoltOnPurchased behind it. */
  const plantHolding = (msisdn: string, purchaseId: string) =>
    pool.query(
      `INSERT INTO bolt_ons (purchase_id, msisdn, bolt_on, units, units_remaining, price_pence, purchased_at, global_position)
       VALUES ($1, $2, 'GBP3', 100, 100, 300, '2003-04-01T00:00:00Z', 0)`,
      [purchaseId, msisdn],
    );
  const eventsOf = async (msisdn: string) =>
    (await pool.query('SELECT event_type FROM events WHERE stream_id = $1', [streamOf(msisdn)])).rows;
  const holdingsOf = async (msisdn: string) =>
    (await pool.query('SELECT purchase_id FROM bolt_ons WHERE msisdn = $1 ORDER BY purchase_id', [msisdn])).rows.map(
      (row: { purchase_id: string }) => row.purchase_id,
    );
  const rejections = async () => (await pool.query('SELECT source, reason, key FROM rejections')).rows;

  beforeAll(async () => {
    ledger = await startLedger(environment);
    network = await upstream();
    pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL });
    await eventually(async () => expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200), 60_000);
  });

  afterAll(async () => {
    await pool?.end();
    await network?.close();
    await ledger?.close();
  });

  it('answers a purchase through the API with a 500, records no rejection and appends nothing', async () => {
    const msisdn = '447700900601';
    await plantHolding(msisdn, 'INV-API-1');
    const response = await apiClient(ledger.url).post(`/v1/subscribers/${msisdn}/bolt-ons`, {
      purchaseId: 'INV-API-1',
      boltOn: 'GBP3',
      purchasedAt: '2003-04-02T00:00:00Z',
    });
    expect(response).toEqual({ status: 500, body: { statusCode: 500, message: 'Internal server error' } });
    expect(await eventsOf(msisdn)).toEqual([]);
    expect(await holdingsOf(msisdn)).toEqual(['INV-API-1']);
    expect(await rejections()).toEqual([]);
  });

  it('from Kafka, throws a RatingInvariantError naming the invariant, retries the slice, commits none of it', async () => {
    const msisdn = '447700900602';
    await plantHolding(msisdn, 'INV-KAFKA-2');
    const ingest = ledger.app.get(IngestBatchService);
    const failures: unknown[] = [];
    const record = ingest.record.bind(ingest);
    // A spy on the real service: every failure of a slice is seen here before the consumer retries it.
    ingest.record = async (...args) => {
      try {
        return await record(...args);
      } catch (error) {
        failures.push(error);
        throw error;
      }
    };
    const topic = environment.topic(TOPICS.boltOnPurchased);
    // One send, one partition (same key): a good purchase and the inconsistent one share a slice.
    await network.send(topic, [
      {
        key: msisdn,
        value: JSON.stringify({
          purchaseId: 'INV-KAFKA-1',
          msisdn,
          boltOn: 'GBP3',
          purchasedAt: '2003-04-02T00:00:00Z',
        }),
      },
      {
        key: msisdn,
        value: JSON.stringify({
          purchaseId: 'INV-KAFKA-2',
          msisdn,
          boltOn: 'GBP5',
          purchasedAt: '2003-04-02T01:00:00Z',
        }),
      },
    ]);

    // Loud and not skipped: the same slice fails again on the consumer's retry.
    await eventually(() => {
      expect(failures.length).toBeGreaterThanOrEqual(2);
      return Promise.resolve();
    }, 60_000);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(RatingInvariantError);
      expect(failure).toMatchObject({
        code: 'INCONSISTENT_STREAM',
        message: `bolt-on INV-KAFKA-2 is already held by ${msisdn}`,
      });
    }

    // Nothing of the slice: not the good purchase before it, not a rejection, not the offset.
    expect(await eventsOf(msisdn)).toEqual([]);
    expect(await holdingsOf(msisdn)).toEqual(['INV-KAFKA-2']);
    expect(await rejections()).toEqual([]);
    const offsets = await pool.query('SELECT partition, next_offset FROM ingest_offsets WHERE topic = $1', [topic]);
    expect(offsets.rows.filter((row: { next_offset: string }) => row.next_offset !== '0')).toEqual([]);
    const ingestStatus = await apiClient(ledger.url).get('/v1/ingest');
    const lag = ingestStatus.body.partitions
      .filter((p: { topic: string }) => p.topic === topic)
      .reduce((sum: number, p: { lag: string }) => sum + Number(p.lag), 0);
    expect(lag).toBe(2);
  });
});
