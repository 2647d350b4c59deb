import { createHash } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { CURSOR_CODEC, CursorCodec } from './cursor.js';
import { LedgerErrorFilter } from './ledger-error.filter.js';

/** The HTTP plumbing every API shares: the API-key guard, the domain-error filter and the cursor codec. */
@Global()
@Module({
  providers: [
    {
      provide: CURSOR_CODEC,
      inject: [LEDGER_CONFIG],
      // Every instance with the same keys and database signs alike, so a cursor works on any of them.
      useFactory: (config: LedgerConfig) =>
        new CursorCodec(
          createHash('sha256')
            .update(`${config.databaseUrl}|${config.apiKeys.map(({ key }) => key).join(',')}`)
            .digest('hex'),
        ),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_FILTER, useClass: LedgerErrorFilter },
  ],
  exports: [CURSOR_CODEC],
})
export class HttpModule {}
