import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { PostgresEventStore } from '@ledger/event-store';
import cliProgress from 'cli-progress';
import { loadLedgerConfig, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { createPool, migrate } from '@ledger/app/platform/database/database.js';
import { grantServiceRole } from '@ledger/app/platform/database/service-role-grants.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import type { ReplayProgress } from '@ledger/app/read-models/projection-replayer.js';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { rebuildReadModels, verifyReadModels } from '@ledger/app/read-models/read-model-maintenance.js';

const USAGE = `usage: npm run ledger -- <command>

Every command connects with MIGRATION_DATABASE_URL (the owner role) when it is set, else DATABASE_URL.

commands:
  migrate        apply the pending migrations, and nothing else (then start the service with LEDGER_MIGRATE=false)
  grant <role>   give the service's role what it needs: SELECT everywhere, INSERT only on the event store,
                 INSERT, UPDATE and DELETE on the read models; run it again after every migrate
  rebuild        empty every read model and project the whole event store again
                 (the service may keep running: its writes wait until the rebuild commits)
  verify         project the event store into private copies and list every difference from the live read models`;

const COMMANDS = ['migrate', 'grant', 'rebuild', 'verify'] as const;
type Command = (typeof COMMANDS)[number];
const isCommand = (value: string | undefined): value is Command => COMMANDS.includes(value as Command);

async function main(command: string | undefined, args: string[]): Promise<number> {
  if (!isCommand(command) || (command === 'grant' && args.length !== 1)) {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  const config = loadLedgerConfig(process.env);
  if (command === 'migrate') {
    const applied = await migrate(config.migrationDatabaseUrl, MIGRATIONS);
    process.stdout.write(
      applied.length > 0 ? `applied migrations: ${applied.join(', ')}\n` : 'no pending migrations\n',
    );
    return 0;
  }
  if (command === 'grant') return grant(config, args[0]);
  if (config.migrateAtStart) await migrate(config.migrationDatabaseUrl, MIGRATIONS);
  // Maintenance statements run as long as they need: no statement timeout here.
  const pool = createPool(
    config.migrationDatabaseUrl,
    { max: 2, applicationName: 'message-ledger-cli', statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 },
    (error) => new Logger('ledger-cli').warn(`connection lost: ${error.message}`),
  );
  const projections = READ_MODEL_PROJECTIONS.map((Projection) => new Projection());
  const bar = new cliProgress.SingleBar(
    { format: `${command} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | {duration_formatted}` },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let barStarted = false;
  const onProgress = ({ replayed, total }: ReplayProgress): void => {
    if (!barStarted) {
      bar.start(total, 0, { rate: 0 });
      barStarted = true;
    }
    bar.update(replayed, { rate: Math.round(replayed / Math.max((Date.now() - started) / 1000, 0.001)) });
  };
  const client = await pool.connect();
  try {
    if (command === 'rebuild') {
      const replayed = await rebuildReadModels(client, new PostgresEventStore(), projections, onProgress);
      bar.stop();
      process.stdout.write(
        `rebuilt ${projections.map((p) => p.name).join(', ')} from ${replayed} events in ${seconds(started)} s\n`,
      );
      return 0;
    }
    const differences = await verifyReadModels(client, new PostgresEventStore(), projections, onProgress);
    bar.stop();
    if (differences.length === 0) {
      process.stdout.write(
        `verified: every read model equals its rebuild from the event store (${seconds(started)} s)\n`,
      );
      return 0;
    }
    for (const difference of differences) {
      process.stdout.write(
        `${difference.table}: ${difference.onlyLive} rows only live, ${difference.onlyRebuilt} rows only rebuilt\n`,
      );
      for (const example of difference.examples) process.stdout.write(`  ${example}\n`);
    }
    return 1;
  } finally {
    bar.stop();
    client.release();
    await pool.end();
  }
}

async function grant(config: LedgerConfig, role: string): Promise<number> {
  const pool = createPool(
    config.migrationDatabaseUrl,
    { max: 1, applicationName: 'message-ledger-cli', statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 },
    (error) => new Logger('ledger-cli').warn(`connection lost: ${error.message}`),
  );
  const client = await pool.connect();
  try {
    const granted = await grantServiceRole(client, role);
    process.stdout.write(
      `granted ${granted.role}: SELECT on every table, INSERT on events, ` +
        `INSERT, UPDATE, DELETE on ${granted.readWrite.join(', ')}\n`,
    );
    return 0;
  } finally {
    client.release();
    await pool.end();
  }
}

const seconds = (started: number): string => ((Date.now() - started) / 1000).toFixed(1);

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: Error) => {
    new Logger('ledger-cli').error(error.message);
    process.exit(1);
  },
);
