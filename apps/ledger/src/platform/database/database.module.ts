import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore } from '@ledger/event-store';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
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
          inject: [LEDGER_CONFIG],
          useFactory: async (config: LedgerConfig): Promise<Pool> => {
            const applied = await migrate(config.databaseUrl, migrations);
            if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            const logger = new Logger('Database');
            return createPool(config.databaseUrl, config.dbPoolSize, (error) =>
              logger.warn(`connection lost: ${error.message}`),
            );
          },
        },
        PoolCloser,
        PostgresEventStore,
      ],
      exports: [PG_POOL, PostgresEventStore],
    };
  }
}
