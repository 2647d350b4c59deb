import type pg from 'pg';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { eventually, isolatedEnvironment, KEYS, startLedger, type RunningLedger } from '../support/ledger-harness.js';

/**
 * A value for each parameter some GET of the API requires: a new route with a new one fails here
 * until it has one, so no query escapes the check.
 */
const SAMPLES: Record<string, string> = {
  msisdn: '447700900901',
  messageId: 'MSG-api-pool-1',
  network: 'VODAFONE-UK',
  id: '1',
  runId: '00000000-0000-4000-8000-000000000001',
  from: '2003-04-01',
  to: '2003-04-30',
  date: '2003-04-01',
};

/** Routes that report on the ingest pool itself, and pages that touch no database. */
const NOT_API_QUERIES = [/^\/health/, /^\/metrics/, /^\/dashboard/, /^\/docs/];

interface OpenApiDocument {
  paths: Record<string, { get?: { parameters?: { name: string; in: string; required?: boolean }[] } }>;
}

/** Every GET of the API document, its required parameters filled from SAMPLES. */
function apiQueries(document: OpenApiDocument): string[] {
  const missing: string[] = [];
  const requests = Object.entries(document.paths).flatMap(([path, operations]) => {
    if (!operations.get || NOT_API_QUERIES.some((route) => route.test(path))) return [];
    const query = new URLSearchParams();
    let filled = path;
    for (const parameter of operations.get.parameters ?? []) {
      if (parameter.in !== 'path' && !parameter.required) continue;
      const value = SAMPLES[parameter.name];
      if (value === undefined) missing.push(`${path}: ${parameter.name}`);
      else if (parameter.in === 'path') filled = filled.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else query.set(parameter.name, value);
    }
    return [query.size > 0 ? `${filled}?${query.toString()}` : filled];
  });
  expect(missing).toEqual([]);
  return requests;
}

// Ingest, the relays and the writer share PG_POOL; every HTTP query runs on API_PG_POOL, so a
// busy ingest never keeps a reader waiting, nor a flood of reads ingest.
describe('the API with the ingest pool exhausted', () => {
  const environment = isolatedEnvironment('apipool');
  Object.assign(environment.env, { DB_POOL_SIZE: '4' });
  let ledger: RunningLedger;
  const held: pg.PoolClient[] = [];
  let done = false;

  beforeAll(async () => {
    ledger = await startLedger(environment);
  });

  afterAll(async () => {
    done = true;
    for (const client of held.splice(0)) client.release();
    await ledger?.close();
  });

  it('answers every GET of the API document on the API pool', async () => {
    const response = await fetch(`${ledger.url}/docs/openapi.json`);
    const requests = apiQueries((await response.json()) as OpenApiDocument);
    expect(requests).toEqual(expect.arrayContaining(['/v1/rejections/1/payload', '/v1/finance/periods']));

    const ingestPool = ledger.app.get<pg.Pool>(PG_POOL);
    const max = ingestPool.options.max;
    for (let index = 0; index < max; index += 1) {
      // The relays keep their lock connections: what is left is taken as it comes free.
      void ingestPool.connect().then(
        (client) => (done ? client.release() : held.push(client)),
        () => undefined,
      );
    }
    const exhausted = (): void => expect([ingestPool.totalCount, ingestPool.idleCount]).toEqual([max, 0]);
    await eventually(() => Promise.resolve().then(exhausted));

    const answers: Record<string, number | string> = {};
    for (const path of requests) {
      try {
        const answer = await fetch(ledger.url + path, {
          headers: { authorization: `Bearer ${KEYS.admin}` },
          signal: AbortSignal.timeout(10_000),
        });
        await answer.arrayBuffer();
        answers[path] = answer.status;
      } catch (error) {
        answers[path] = (error as Error).name;
      }
    }
    // 404 is an answer too: the handler asked Postgres and found nothing.
    const unanswered = Object.entries(answers).filter(([, status]) => status !== 200 && status !== 404);
    expect(unanswered).toEqual([]);
    exhausted();
  });
});
