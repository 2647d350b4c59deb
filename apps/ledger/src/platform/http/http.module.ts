import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { CURSOR_CODEC, CursorCodec } from './cursor.js';
import { cursorSecrets } from './cursor-secret.js';
import { LedgerErrorFilter } from './ledger-error.filter.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * The HTTP plumbing every API shares: the rate limit, then the API-key guard (global guards run
 * in this order), the domain-error filter and the cursor codec.
 */
@Global()
@Module({
  providers: [
    {
      provide: CURSOR_CODEC,
      inject: [LEDGER_CONFIG, PG_POOL],
      // CURSOR_SECRET, or the database's random secret: the same on every instance either way.
      useFactory: async (config: LedgerConfig, pool: Pool) =>
        new CursorCodec(await cursorSecrets(config.cursorSecrets, pool)),
    },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: LedgerErrorFilter },
  ],
  exports: [CURSOR_CODEC],
})
export class HttpModule {}
