import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerMetrics } from './ledger-metrics.js';

/** The ingest pool's size, waiters and lost connections (LedgerDbPoolSaturated, LedgerDbFailoverSeen). */
@Injectable()
export class DatabasePoolMetrics implements OnApplicationBootstrap {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly metrics: LedgerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.watchPool(this.pool);
    const lost = (): void => this.metrics.dbConnectionLost();
    this.pool.on('error', lost);
    this.pool.on('connect', (client) => client.on('error', lost));
  }
}
