import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ensureEventPartitions, PostgresEventStore } from '@ledger/event-store';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { createPool, migrate, type Migrations, type Pool } from './database.js';

/** Ingest, the writer, the feed, health: the connections the ledger cannot do without. */
export const PG_POOL = Symbol('PG_POOL');
/** The API's queries: a pool of their own, with a shorter statement timeout, so reads never starve ingest. */
export const API_PG_POOL = Symbol('API_PG_POOL');

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(API_PG_POOL) private readonly apiPool: Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.end(), this.apiPool.end()]);
  }
}

/** How often a running ledger makes sure next months' partitions exist (a catalogue look-up when they do). */
const PARTITION_CHECK_MS = 60 * 60 * 1000;

/**
 * Creates the event store's partitions ahead (this month and the next ones) at boot and every hour, so
 * that an append never lands in the default partition for want of its month (docs/PARTITIONS.md).
 */
@Injectable()
class EventPartitionKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventPartitions');
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensure();
    this.timer = setInterval(() => void this.ensure(), PARTITION_CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async ensure(): Promise<void> {
    try {
      const created = await this.pool.connect().then(async (client) => {
        try {
          return await ensureEventPartitions(client);
        } finally {
          client.release();
        }
      });
      if (created.length > 0) this.logger.log(`created event partitions: ${created.join(', ')}`);
    } catch (error) {
      // Appends still land (the default partition takes them): a warning to act on, not a reason to stop.
      this.logger.warn(`could not create the event partitions ahead: ${(error as Error).message}`);
    }
  }
}

/**
 * The pools and the event store, after the given migrations have run (unless LEDGER_MIGRATE=false);
 * global, since every context queries.
 */
@Module({})
export class DatabaseModule {
  static forRoot(migrations: Migrations): DynamicModule {
    const logger = new Logger('Database');
    const onConnectionError = (error: Error): void => logger.warn(`connection lost: ${error.message}`);
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: PG_POOL,
          inject: [LEDGER_CONFIG],
          useFactory: async (config: LedgerConfig): Promise<Pool> => {
            if (config.migrateAtStart) {
              const applied = await migrate(config.databaseUrl, migrations);
              if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
            }
            const { database } = config;
            return createPool(
              config.databaseUrl,
              {
                max: config.dbPoolSize,
                applicationName: 'message-ledger',
                statementTimeoutMs: database.statementTimeoutMs,
                idleInTransactionTimeoutMs: database.idleInTransactionTimeoutMs,
              },
              onConnectionError,
            );
          },
        },
        {
          provide: API_PG_POOL,
          // After PG_POOL, so that it waits for the migrations.
          inject: [LEDGER_CONFIG, PG_POOL],
          useFactory: (config: LedgerConfig): Pool =>
            createPool(
              config.databaseUrl,
              {
                max: config.database.apiPoolSize,
                applicationName: 'message-ledger-api',
                statementTimeoutMs: config.database.apiStatementTimeoutMs,
                idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
              },
              onConnectionError,
            ),
        },
        PoolCloser,
        EventPartitionKeeper,
        PostgresEventStore,
      ],
      exports: [PG_POOL, API_PG_POOL, PostgresEventStore],
    };
  }
}
