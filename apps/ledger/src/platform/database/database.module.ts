import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore } from '@ledger/event-store';
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
        PostgresEventStore,
      ],
      exports: [PG_POOL, API_PG_POOL, PostgresEventStore],
    };
  }
}
