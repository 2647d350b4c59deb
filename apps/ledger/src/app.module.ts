import { createHash } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { PostgresEventStore } from '@ledger/event-store';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { BoltOnsController } from './bolt-ons/api/bolt-ons.controller.js';
import { GetBalanceHandler } from './bolt-ons/application/get-balance.query.js';
import { PurchaseBoltOnHandler } from './bolt-ons/application/purchase-bolt-on.handler.js';
import { ChargesController } from './charges/api/charges.controller.js';
import { GetChargeHandler } from './charges/application/get-charge.query.js';
import { GetChargesHandler } from './charges/application/get-charges.query.js';
import { LedgerConfigModule } from './config/config.module.js';
import { LEDGER_CONFIG, type LedgerConfig } from './config/ledger-config.js';
import { CURSOR_CODEC, CursorCodec } from './cursor.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { DatabaseModule } from './database/database.module.js';
import { FinanceController } from './finance/api/finance.controller.js';
import { GetInterconnectMessagesHandler } from './finance/application/get-interconnect-messages.query.js';
import { GetInterconnectHandler } from './finance/application/get-interconnect.query.js';
import { GetRevenueHandler } from './finance/application/get-revenue.query.js';
import { HealthController } from './health/health.controller.js';
import { IngestController } from './ingest/api/ingest.controller.js';
import { DEAD_LETTER_SINK, IngestBatchService, TOPIC_NAMES } from './ingest/application/ingest-batch.service.js';
import { DeadLetterProducer } from './ingest/infrastructure/dead-letter.producer.js';
import { IngestOffsetsRepository } from './ingest/infrastructure/ingest-offsets.repository.js';
import { createKafka, KAFKA, TopicNames } from './ingest/infrastructure/kafka.js';
import { LedgerConsumer } from './ingest/infrastructure/ledger-consumer.service.js';
import { RejectionsRepository } from './ingest/infrastructure/rejections.repository.js';
import { LedgerHealthIndicators } from './observability/ledger-health.indicators.js';
import { LedgerStateGauges } from './observability/ledger-state.gauges.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PROJECTIONS, type Projection } from './projections/projection.js';
import { READ_MODEL_PROJECTIONS } from './projections/read-model-projections.js';
import { RatedFeedRelay } from './rated-feed/rated-feed-relay.service.js';
import { RatedFeedMetrics } from './rated-feed/rated-feed.metrics.js';
import { RatedFeedRepository } from './rated-feed/rated-feed.repository.js';
import { LedgerWriter } from './rating/application/ledger-writer.service.js';
import { SubscriberStateRepository } from './rating/infrastructure/subscriber-state.repository.js';
import { tariffProvider } from './rating/infrastructure/tariff.provider.js';

const projections = READ_MODEL_PROJECTIONS;

const controllers = [
  HealthController,
  ChargesController,
  BoltOnsController,
  IngestController,
  FinanceController,
  DashboardController,
];
const queryHandlers = [
  GetChargeHandler,
  GetChargesHandler,
  GetBalanceHandler,
  GetRevenueHandler,
  GetInterconnectHandler,
  GetInterconnectMessagesHandler,
];
const commandHandlers = [PurchaseBoltOnHandler];

@Module({
  imports: [LedgerConfigModule, DatabaseModule, CqrsModule.forRoot(), ObservabilityModule],
  controllers,
  providers: [
    ...projections,
    {
      provide: PROJECTIONS,
      inject: projections,
      useFactory: (...instances: Projection[]): Projection[] => instances,
    },
    ...queryHandlers,
    ...commandHandlers,
    tariffProvider,
    { provide: KAFKA, inject: [LEDGER_CONFIG], useFactory: createKafka },
    {
      provide: TOPIC_NAMES,
      inject: [LEDGER_CONFIG],
      useFactory: (config: LedgerConfig) => new TopicNames(config.kafka.topicPrefix),
    },
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
    PostgresEventStore,
    SubscriberStateRepository,
    RejectionsRepository,
    IngestOffsetsRepository,
    LedgerWriter,
    RatedFeedRepository,
    RatedFeedMetrics,
    RatedFeedRelay,
    IngestBatchService,
    LedgerConsumer,
    DeadLetterProducer,
    { provide: DEAD_LETTER_SINK, useExisting: DeadLetterProducer },
    LedgerHealthIndicators,
    LedgerStateGauges,
  ],
})
export class AppModule {}
