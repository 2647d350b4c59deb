import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { listArchives, PostgresEventStore } from '@ledger/event-store';
import cliProgress from 'cli-progress';
import { LedgerConfigModule } from '@ledger/app/platform/config/config.module.js';
import { LEDGER_CONFIG, loadLedgerConfig, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { createPool, migrate, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';
import { grantServiceRole } from '@ledger/app/platform/database/service-role-grants.js';
import { DatabaseModule, PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { OffsetGapsRepository } from '@ledger/app/ingest/infrastructure/offset-gaps.repository.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import type { ReplayProgress } from '@ledger/app/read-models/projection-replayer.js';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { rebuildReadModels, verifyReadModels } from '@ledger/app/read-models/read-model-maintenance.js';
import { createKafka, TopicNames } from '@ledger/app/platform/kafka/kafka.js';
import { RatedFeedRepository } from '@ledger/app/rated-feed/read-model/rated-feed.repository.js';
import {
  parseReplayArguments,
  replayFeed,
  REPLAY_USAGE,
  ReplayUsageError,
  type ReplayFeedProgress,
} from '@ledger/app/rated-feed/replay-feed.js';
import { RERATE_USAGE, rerateCommand } from './rerate-command.js';
import {
  archivePartitionCommand,
  PARTITION_USAGE,
  partitionsCommand,
  restorePartitionCommand,
} from './partition-commands.js';

@Module({ imports: [LedgerConfigModule, DatabaseModule.forRoot(MIGRATIONS)] })
class CliModule {}

const USAGE = `usage: npm run ledger -- <command>

migrate, grant, rebuild, verify and the partition commands connect with MIGRATION_DATABASE_URL (the
owner role) when it is set, else DATABASE_URL; the other commands with DATABASE_URL (the service role).

commands:
  migrate   apply the pending migrations, and nothing else (then start the service with LEDGER_MIGRATE=false)
  grant <role>
            give the service's role what it needs: SELECT everywhere, INSERT only on the event store,
            INSERT, UPDATE and DELETE on the read models; run it again after every migrate
  rebuild   project the whole event store into shadow copies of the read models, then swap them in
            (the service keeps running: reads and writes wait only for the swap, a moment)
  verify    project the event store into private copies and list every difference from the live read models
            (the archived months are read back from their files: the whole log, as rebuild reads it)
  ack-offset-gap <topic> <partition>
            accept the open offset gap of a partition (as /v1/ingest names it): the records between are gone
            from Kafka, and the running service goes on from where the partition now starts
  ${REPLAY_USAGE}
${RERATE_USAGE}
${PARTITION_USAGE}`;

async function main(command: string | undefined, args: string[]): Promise<number> {
  if (command === 'migrate') return migrateCommand();
  if (command === 'grant' && args.length === 1) return grantCommand(args[0]);
  if (command === 'ack-offset-gap') return acknowledgeOffsetGap(args);
  if (command === 'replay-feed') return replayFeedCommand(args);
  if (command === 'partitions' && args.length === 0) return asOwner(partitionsCommand);
  if (command === 'archive-partition') return asOwner((client) => archivePartitionCommand(client, args));
  if (command === 'restore-partition') return asOwner((client) => restorePartitionCommand(client, args));
  if (command === 'rerate') {
    const context = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
    try {
      return await rerateCommand(context.get<Pool>(PG_POOL), args);
    } finally {
      await context.close();
    }
  }
  if (command !== 'rebuild' && command !== 'verify') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  const config = loadLedgerConfig(process.env);
  if (config.migrateAtStart) await migrate(config.migrationDatabaseUrl, MIGRATIONS);
  const pool = ownerPool(config);
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
      const report = await rebuildReadModels(client, new PostgresEventStore(), projections, onProgress);
      bar.stop();
      process.stdout.write(
        `rebuilt ${projections.map((p) => p.name).join(', ')} from ${report.replayed} events in ${seconds(started)} s; ` +
          `swapped in at try ${report.swapAttempts}, holding appends ${report.heldMs} ms\n`,
      );
      return 0;
    }
    const differences = await verifyReadModels(client, new PostgresEventStore(), projections, onProgress);
    bar.stop();
    const archives = await listArchives(client);
    const archived =
      archives.length === 0
        ? ''
        : `, ${archives.map((archive) => `${archive.partition} (${archive.events} events)`).join(', ')} ` +
          'read back from their archive files';
    if (differences.length === 0) {
      process.stdout.write(
        `verified: every read model equals its rebuild from the event store${archived} (${seconds(started)} s)\n`,
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

async function acknowledgeOffsetGap([topic, partitionArg, ...rest]: string[]): Promise<number> {
  if (!topic || !/^\d{1,7}$/.test(partitionArg ?? '') || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const partition = Number(partitionArg);
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  try {
    const gap = await new OffsetGapsRepository().acknowledge(app.get<Pool>(PG_POOL), topic, partition, 'cli');
    if (!gap) {
      process.stderr.write(`${topic}[${partition}] has no open offset gap\n`);
      return 1;
    }
    process.stdout.write(
      `acknowledged the offset gap of ${topic}[${partition}] (${gap.kind}): recorded up to ${gap.expectedOffset}, ` +
        `consumption goes on from ${gap.foundOffset}\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

/** Publishes the feed again for a downstream system that lost it (docs/FEED.md, "Replaying the feed"). */
async function replayFeedCommand(args: string[]): Promise<number> {
  let range;
  try {
    range = parseReplayArguments(args);
  } catch (error) {
    if (!(error instanceof ReplayUsageError)) throw error;
    process.stderr.write(`replay-feed: ${error.message}\nusage: npm run ledger -- ${REPLAY_USAGE}\n`);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  const topic = new TopicNames(config.kafka.topicPrefix).messageRated;
  const bar = new cliProgress.SingleBar(
    {
      format: `replay-feed [{bar}] {percentage}% | {value}/{total} messages | {rate} messages/s | {duration_formatted}`,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let barStarted = false;
  const onProgress = ({ published, total }: ReplayFeedProgress): void => {
    if (!barStarted) {
      bar.start(total, 0, { rate: 0 });
      barStarted = true;
    }
    bar.setTotal(total);
    bar.update(published, { rate: Math.round(published / Math.max((Date.now() - started) / 1000, 0.001)) });
  };
  try {
    const result = await replayFeed(
      app.get<Pool>(PG_POOL),
      createKafka(config),
      topic,
      new RatedFeedRepository(),
      range,
      onProgress,
    );
    bar.stop();
    const span =
      result.firstPosition === null
        ? 'nothing in that range'
        : `events ${result.firstPosition} to ${result.lastPosition}`;
    process.stdout.write(
      `replayed ${result.published} rated messages (${span}) to ${topic} as run ${result.runId} in ${seconds(started)} s` +
        (result.references > 0 ? `; ${result.references} too large for the topic went as references` : '') +
        '\n',
    );
    return 0;
  } finally {
    bar.stop();
    await app.close();
  }
}

async function migrateCommand(): Promise<number> {
  const applied = await migrate(loadLedgerConfig(process.env).migrationDatabaseUrl, MIGRATIONS);
  process.stdout.write(applied.length > 0 ? `applied migrations: ${applied.join(', ')}\n` : 'no pending migrations\n');
  return 0;
}

async function grantCommand(role: string): Promise<number> {
  const pool = ownerPool(loadLedgerConfig(process.env));
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

/**
 * The connection of the owner-level commands (migrate, grant, rebuild, verify, the partition commands):
 * the owner role's MIGRATION_DATABASE_URL, else DATABASE_URL, as `migrate` reads it.
 */
function ownerPool(
  config: LedgerConfig,
  idleInTransactionTimeoutMs: number = config.database.idleInTransactionTimeoutMs,
): Pool {
  // No statement timeout: a rebuild's statements run as long as the event store is large.
  return createPool(
    config.migrationDatabaseUrl,
    { max: 1, applicationName: 'message-ledger-cli', statementTimeoutMs: 0, idleInTransactionTimeoutMs },
    (error) => new Logger('ledger-cli').warn(`connection lost: ${error.message}`),
  );
}

/** One owner connection for a partition command; an archive's file checks may keep it idle in a transaction. */
async function asOwner(work: (client: PoolClient) => Promise<number>): Promise<number> {
  const pool = ownerPool(loadLedgerConfig(process.env), 0);
  const client = await pool.connect();
  try {
    return await work(client);
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
