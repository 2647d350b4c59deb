import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore } from '@ledger/event-store';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';
import { createPool, migrate, type Migrations, type Pool } from './database.js';

export const PG_POOL = Symbol('PG_POOL');

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The pool and the event store, after the given migrations have run; global, since every context queries. */
@Module({})
export class DatabaseModule {
  static forRoot(migrations: Migrations): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: PG_POOL,
          // The CLI runs without the metrics.
          inject: [LEDGER_CONFIG, { token: LedgerMetrics, optional: true }],
          useFactory: async (config: LedgerConfig, metrics?: LedgerMetrics): Promise<Pool> => {
            const applied = await migrate(config.databaseUrl, migrations);
            if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            const logger = new Logger('Database');
            const pool = createPool(config.databaseUrl, config.dbPoolSize, (error) => {
              metrics?.dbConnectionLost();
              logger.warn(`connection lost: ${error.message}`);
            });
            metrics?.watchPool(pool);
            return pool;
          },
        },
        PoolCloser,
        PostgresEventStore,
      ],
      exports: [PG_POOL, PostgresEventStore],
    };
  }
}
