import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '../auth/api-key.guard.js';
import type { Pool } from '../database/database.js';
import { PG_POOL } from '../database/database.module.js';
import { LedgerConsumer } from '../ingest/infrastructure/ledger-consumer.service.js';

/** 200 once the service is consuming and its database answers, 503 otherwise (SPEC section 5). */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly consumer: LedgerConsumer,
  ) {}

  @Get()
  @Public()
  async health(): Promise<{ status: 'ok'; database: 'up'; consumer: 'consuming' }> {
    const database = await this.pool
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    const consuming = this.consumer.consuming;
    if (!database || !consuming) {
      throw new ServiceUnavailableException({
        status: 'unavailable',
        database: database ? 'up' : 'down',
        consumer: consuming ? 'consuming' : 'not consuming',
      });
    }
    return { status: 'ok', database: 'up', consumer: 'consuming' };
  }
}
