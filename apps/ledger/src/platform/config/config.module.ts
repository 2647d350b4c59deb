import { Global, Module } from '@nestjs/common';
import { LEDGER_CONFIG, loadLedgerConfig } from './ledger-config.js';

@Global()
@Module({
  providers: [{ provide: LEDGER_CONFIG, useFactory: () => loadLedgerConfig(process.env) }],
  exports: [LEDGER_CONFIG],
})
export class LedgerConfigModule {}
