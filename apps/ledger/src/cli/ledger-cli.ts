import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PostgresEventStore } from '@ledger/event-store';
import cliProgress from 'cli-progress';
import { LedgerConfigModule } from '@ledger/app/platform/config/config.module.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { DatabaseModule, PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { MIGRATIONS } from '@ledger/app/migrations/index.js';
import type { ReplayProgress } from '@ledger/app/read-models/projection-replayer.js';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { rebuildReadModels, verifyReadModels } from '@ledger/app/read-models/read-model-maintenance.js';
import { RERATE_USAGE, rerateCommand } from './rerate-command.js';

@Module({ imports: [LedgerConfigModule, DatabaseModule.forRoot(MIGRATIONS)] })
class CliModule {}

const USAGE = `usage: npm run ledger -- <command>

commands:
  rebuild   empty every read model and project the whole event store again
            (the service may keep running: its writes wait until the rebuild commits)
  verify    project the event store into private copies and list every difference from the live read models
${RERATE_USAGE}`;

async function main(command: string | undefined, args: readonly string[]): Promise<number> {
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
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  const pool = app.get<Pool>(PG_POOL);
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
    await app.close();
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
