import { Module } from '@nestjs/common';
import { IngestModule } from '@ledger/app/ingest/ingest.module.js';
import { HealthController } from './health.controller.js';
import { LedgerHealthIndicators } from './ledger-health.indicators.js';
import { LedgerStateGauges } from './ledger-state.gauges.js';

const controllers = [HealthController];
const services = [LedgerHealthIndicators, LedgerStateGauges];

/** Health: /health from the consumer's and the database's state, and the ledger-state gauges. */
@Module({ imports: [IngestModule], controllers, providers: services })
export class HealthModule {}
