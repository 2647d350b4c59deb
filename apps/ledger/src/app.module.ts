import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { BoltOnsModule } from './bolt-ons/bolt-ons.module.js';
import { ChargesModule } from './charges/charges.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { FinanceModule } from './finance/finance.module.js';
import { HealthModule } from './health/health.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { LedgerConfigModule } from './platform/config/config.module.js';
import { DatabaseModule } from './platform/database/database.module.js';
import { HttpModule } from './platform/http/http.module.js';
import { KafkaModule } from './platform/kafka/kafka.module.js';
import { ObservabilityModule } from './platform/observability/observability.module.js';
import { RatedFeedModule } from './rated-feed/rated-feed.module.js';
import { RatingModule } from './rating/rating.module.js';
import { ReadModelProjectionsModule } from './read-model-projections.module.js';
import { RejectionsModule } from './rejections/rejections.module.js';
import { ReratingModule } from './rerating/rerating.module.js';
import { MIGRATIONS } from './migrations/index.js';

const platform = [LedgerConfigModule, DatabaseModule.forRoot(MIGRATIONS), KafkaModule, HttpModule, ObservabilityModule];
// No EventBus: the projections run inside the append transaction, so there is nothing to publish after it.
const cqrs = [CqrsModule.forRoot()];
const contexts = [
  ReadModelProjectionsModule,
  RejectionsModule,
  RatedFeedModule,
  RatingModule,
  IngestModule,
  BoltOnsModule,
  ReratingModule,
  ChargesModule,
  FinanceModule,
  HealthModule,
  DashboardModule,
];

/** The ledger service: platform modules, then one module per context; nothing else. */
@Module({ imports: [...platform, ...cqrs, ...contexts] })
export class AppModule {}
