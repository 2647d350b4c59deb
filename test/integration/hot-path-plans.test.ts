import type pg from 'pg';
import { PostgresEventStore } from '@ledger/event-store';
import {
  createPool,
  inPlannedTransaction,
  migrate,
  type Planning,
  type PoolClient,
} from '@ledger/app/platform/database/database.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import { RatedFeedRepository } from '@ledger/app/rated-feed/read-model/rated-feed.repository.js';
import { isolatedEnvironment } from '../support/ledger-harness.js';

/**
 * The plans of the hot path's statements on a store that grew after Postgres last looked at it: analysed
 * while empty, then filled with 200,000 events without an ANALYZE, as a drain does between two runs of
 * autovacuum. Each statement is explained with the values the service runs it with, on a connection of
 * the service's own pool, inside the transaction the service runs it in.
 */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/** A client that explains each statement it is given instead of running it, and answers with `rows`. */
function explaining(client: PoolClient, plans: PlanNode[], rows: unknown[]): PoolClient {
  const query = async (statement: string | { text: string; values?: unknown[] }) => {
    const config = typeof statement === 'string' ? { text: statement } : statement;
    const result = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; JIT?: unknown }] }>({
      text: `EXPLAIN (FORMAT JSON) ${config.text}`,
      values: config.values,
    });
    const [explained] = result.rows[0]['QUERY PLAN'];
    plans.push(explained.Plan);
    return { rows, rowCount: rows.length };
  };
  return { query } as unknown as PoolClient;
}

const EVENTS = 200_000;
const store = new PostgresEventStore();

describe('the hot path is planned as lookups by key however stale the statistics', () => {
  const databaseUrl = isolatedEnvironment('plans').env.DATABASE_URL;
  let pool: pg.Pool;

  async function plansIn(
    planning: Planning,
    work: (client: PoolClient) => Promise<unknown>,
    rows: unknown[] = [],
  ): Promise<PlanNode[]> {
    const plans: PlanNode[] = [];
    await inPlannedTransaction(pool, planning, (client) => work(explaining(client, plans, rows)));
    return plans.flatMap(nodesOf);
  }

  beforeAll(async () => {
    await migrate(databaseUrl, MIGRATIONS);
    pool = createPool(
      databaseUrl,
      { max: 2, applicationName: 'plans-test', statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 },
      () => undefined,
    );
    await pool.query('ANALYZE');
    // Prepared on the empty store first, as at a service's start: a cached generic plan would be a scan.
    for (let i = 0; i < 6; i += 1) await store.findByIdempotencyKeys(pool as unknown as PoolClient, ['message:none']);
    await pool.query(
      `INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data)
       SELECT 'subscriber-' || s, 1, 'MessageCharged', 'message:m' || s,
              json_build_object('message', json_build_object('messageId', 'm' || s, 'sender', json_build_object('msisdn', s::text)))
         FROM generate_series(1, ${EVENTS}) s`,
    );
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
  });

  it('plans every statement for its own values, and compiles none', async () => {
    const settings = await pool.query<{ mode: string; jit: string }>(
      `SELECT current_setting('plan_cache_mode') AS mode, current_setting('jit') AS jit`,
    );
    expect(settings.rows[0]).toEqual({ mode: 'force_custom_plan', jit: 'off' });
  });

  it('looks up a slice of idempotency keys key by key, in one key partition each, and scans no table', async () => {
    const keys = Array.from({ length: 2_000 }, (_, i) => `message:m${1 + ((i * 7_919) % EVENTS)}`);
    const nodes = await plansIn('keyed', (client) => store.findByIdempotencyKeys(client, keys));
    expect(nodes.filter((node) => /Seq Scan|Bitmap|Hash|Merge|Gather/.test(node['Node Type']))).toEqual([]);
    expect(nodes.some((node) => node['Node Type'] === 'Nested Loop')).toBe(true);
    // And the look-up finds them, on the same settings.
    const found = await inPlannedTransaction(pool, 'keyed', (client) => store.findByIdempotencyKeys(client, keys));
    expect(found.size).toBe(new Set(keys).size);
  });

  it('reads the next batch of the feed in its index order, without sorting the backlog', async () => {
    const feed = new RatedFeedRepository();
    const start = { transactionId: '0', globalPosition: 0n, feedPosition: 0n };
    const nodes = await plansIn('ordered', (client) => feed.next(client, start, 2_000));
    expect(nodes.filter((node) => /Sort|Seq Scan|Bitmap|Gather/.test(node['Node Type']))).toEqual([]);
    expect(nodes.map((node) => node['Node Type'])).toContain('Limit');
    const rows = await inPlannedTransaction(pool, 'ordered', (client) => feed.next(client, start, 2_000));
    expect(rows).toHaveLength(2_000);
    expect(rows.map((row) => row.globalPosition)).toEqual(
      [...rows.map((row) => row.globalPosition)].sort((a, b) => (a < b ? -1 : 1)),
    );
  });

  it("counts the feed's backlog from its index, without reading the whole log", async () => {
    const feed = new RatedFeedRepository();
    const nodes = await plansIn('keyed', (client) => feed.backlog(client), [{ depth: '0', age: null }]);
    const scans = nodes.filter((node) => /Seq Scan|Bitmap|Gather/.test(node['Node Type']));
    expect(scans.filter((node) => node['Relation Name']?.startsWith('events'))).toEqual([]);
    // The relay has published nothing of this store: every rated message is waiting.
    const backlog = await inPlannedTransaction(pool, 'keyed', (client) => feed.backlog(client));
    expect(backlog.depth).toBe(EVENTS);
  });
});
