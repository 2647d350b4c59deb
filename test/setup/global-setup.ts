import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { spawnSync } from 'node:child_process';

/**
 * Starts the local broker when none answers, and gives this run its own database and topic
 * prefix so that runs never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `ledger_test_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await dropStaleTestDatabases(admin);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  process.env.TEST_RUN_ID = runId;
  process.env.DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = database;
  process.env.KAFKA_BROKERS ??= '127.0.0.1:9092';
  process.env.KAFKA_TOPIC_PREFIX = `test-${runId}.`;
  process.env.KAFKA_GROUP_ID = `ledger-test-${runId}`;
  ensureLocalBroker();
}

/**
 * Jest loads this file on its own, without the project's module mapping, so it cannot import
 * kafka-stack.ts: `stack.sh up` itself returns at once when a broker already answers.
 */
function ensureLocalBroker(): void {
  if (process.env.KAFKA_BROKERS !== '127.0.0.1:9092' || process.env.TEST_SKIP_STACK) return;
  const result = spawnSync('bash', ['scripts/stack/stack.sh', 'up'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the local Kafka broker could not be started (see .stack/kafka.log)');
}

/** Databases of runs that died before their teardown, older than a day. */
async function dropStaleTestDatabases(admin: pg.Client): Promise<void> {
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'ledger_test_%'`,
  );
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const { datname } of stale.rows) {
    const created = parseInt(datname.slice('ledger_test_'.length, -6), 36);
    if (Number.isFinite(created) && created < dayAgo) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  }
}
