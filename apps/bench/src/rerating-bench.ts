import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { boltOnPurchaseSchema, messageSentSchema, streamOf } from '@ledger/contracts';
import { PostgresEventStore } from '@ledger/event-store';
import { DEFAULT_TARIFF_FILE, decideAll, subscriberOf, type RatingCommand } from '@ledger/rating';
import { messageTraffic, purchaseTraffic } from '@ledger/traffic';
import pg from 'pg';
import { createPool, inTransaction, migrate } from '@ledger/app/platform/database/database.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import { TariffVersions } from '@ledger/app/rating/tariff/tariff-versions.js';
import { SubscriberStateRepository } from '@ledger/app/rating/infrastructure/subscriber-state.repository.js';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { ReratingService } from '@ledger/app/rerating/application/rerating.service.js';
import { SubscriberStreamsRepository } from '@ledger/app/rerating/infrastructure/subscriber-streams.repository.js';
import { ReratingRunsRepository } from '@ledger/app/rerating/read-model/rerating-runs.repository.js';

/**
 * npm run bench:rerating: a rerating run over RERATE_MESSAGES messages (default 100,000) of
 * RERATE_SUBSCRIBERS subscribers, rated first with SMS at 11p and corrected to 10p; times the dry run
 * and the apply on a database of its own, which it drops after. Prints the machine's load with them.
 */
const messages = Number(process.env.RERATE_MESSAGES ?? 100_000);
const subscribers = Number(process.env.RERATE_SUBSCRIBERS ?? 1_000);
const base = new URL(process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const database = `ledger_bench_rerate_${randomBytes(3).toString('hex')}`;
const url = new URL(base);
url.pathname = `/${database}`;

const print = (line: string): boolean => process.stdout.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

function tariffWithSms(pricePence: number): unknown {
  const document = JSON.parse(readFileSync(DEFAULT_TARIFF_FILE, 'utf8')) as {
    paygPrices: { kind: string; pricePence: number }[];
  };
  for (const price of document.paygPrices) if (price.kind === 'SMS') price.pricePence = pricePence;
  return document;
}

async function main(): Promise<void> {
  await migrate(url.toString(), MIGRATIONS);
  const pool = createPool(
    url.toString(),
    { max: 8, applicationName: 'message-ledger-bench', statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 },
    () => undefined,
  );
  try {
    const tariffs = new TariffVersions(pool);
    await tariffs.store(tariffWithSms(11));
    const commands: RatingCommand[] = [
      ...[...purchaseTraffic(subscribers, { subscribers })].map(({ value }): RatingCommand => ({
        type: 'PurchaseBoltOn',
        purchase: boltOnPurchaseSchema.parse(JSON.parse(value)),
      })),
      ...[...messageTraffic(messages, { subscribers, spacingMs: 20_000 })].map(({ value }): RatingCommand => ({
        type: 'RecordMessageSent',
        message: messageSentSchema.parse(JSON.parse(value)),
      })),
    ];
    const eventStore = new PostgresEventStore();
    const projections = READ_MODEL_PROJECTIONS.map((Projection) => new Projection());
    const states = new SubscriberStateRepository();
    const seeded = performance.now();
    for (let start = 0; start < commands.length; start += 2_000) {
      const slice = commands.slice(start, start + 2_000);
      await inTransaction(pool, async (client) => {
        const tariff = await tariffs.current(client);
        const { subscribers: streams } = await states.load(client, [...new Set(slice.map(subscriberOf))]);
        const { events } = decideAll(slice, streams, tariff.tariff, new Map());
        const positions = await eventStore.append(
          client,
          events.map(({ msisdn, streamVersion, idempotencyKey, event }) => ({
            streamId: streamOf(msisdn),
            streamVersion,
            type: event.type,
            idempotencyKey,
            data: { ...event.data, tariffVersion: tariff.version },
          })),
        );
        const recorded = events.map(({ event }, index) => ({ globalPosition: positions[index], event }));
        for (const projection of projections) await projection.apply(client, recorded);
      });
    }
    print(`seeded ${commands.length} inputs (${subscribers} purchases, ${messages} messages) in ${seconds(seeded)} s`);
    await tariffs.store(tariffWithSms(10));
    const service = new ReratingService(
      pool,
      eventStore,
      tariffs,
      new SubscriberStreamsRepository(),
      new ReratingRunsRepository(),
      projections,
    );
    print(`machine: ${cpus().length} cores, load average ${load()} (1, 5, 15 min) before the run`);
    const dryStarted = performance.now();
    const dry = await service.dryRun({ from: '2003-01-01T00:00:00Z', subscribers: null, reason: 'bench' });
    const drySeconds = (performance.now() - dryStarted) / 1000;
    const applyStarted = performance.now();
    const applied = await service.apply(dry.runId);
    const applySeconds = (performance.now() - applyStarted) / 1000;
    const examined = applied.applied?.messagesExamined ?? 0;
    print(
      `dry run: ${dry.dryRun.messagesExamined} messages examined, ${dry.dryRun.messagesChanged} changed, ` +
        `${drySeconds.toFixed(1)} s (${Math.round(dry.dryRun.messagesExamined / drySeconds)} messages/s)`,
    );
    print(
      `apply:   ${examined} messages examined, ${applied.applied?.messagesChanged ?? 0} MessageRerated appended, ` +
        `${applySeconds.toFixed(1)} s (${Math.round(examined / applySeconds)} messages/s)`,
    );
    print(`machine: load average ${load()} after the run`);
  } finally {
    await pool.end();
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}

const seconds = (started: number): string => ((performance.now() - started) / 1000).toFixed(1);

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
