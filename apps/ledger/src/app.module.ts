import { createHash } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { PostgresEventStore } from '@ledger/event-store';
import { ApiKeyGuard } from '@ledger/app/platform/http/api-key.guard.js';
import { BoltOnsController } from '@ledger/app/bolt-ons/api/bolt-ons.controller.js';
import { GetBalanceHandler } from '@ledger/app/bolt-ons/application/get-balance.query.js';
import { PurchaseBoltOnHandler } from '@ledger/app/bolt-ons/application/purchase-bolt-on.handler.js';
import { ChargesController } from '@ledger/app/charges/api/charges.controller.js';
import { GetChargeHandler } from '@ledger/app/charges/application/get-charge.query.js';
import { GetChargesHandler } from '@ledger/app/charges/application/get-charges.query.js';
import { LedgerConfigModule } from '@ledger/app/platform/config/config.module.js';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { CURSOR_CODEC, CursorCodec } from '@ledger/app/platform/http/cursor.js';
import { DashboardController } from '@ledger/app/dashboard/dashboard.controller.js';
import { DatabaseModule } from '@ledger/app/platform/database/database.module.js';
import { FinanceController } from '@ledger/app/finance/api/finance.controller.js';
import { GetInterconnectMessagesHandler } from '@ledger/app/finance/application/get-interconnect-messages.query.js';
import { GetInterconnectHandler } from '@ledger/app/finance/application/get-interconnect.query.js';
import { GetRevenueHandler } from '@ledger/app/finance/application/get-revenue.query.js';
import { HealthController } from '@ledger/app/health/health.controller.js';
import { IngestController } from '@ledger/app/ingest/api/ingest.controller.js';
import { DEAD_LETTER_SINK, IngestBatchService, TOPIC_NAMES } from '@ledger/app/ingest/application/ingest-batch.service.js';
import { DeadLetterProducer } from '@ledger/app/ingest/infrastructure/dead-letter.producer.js';
import { IngestOffsetsRepository } from '@ledger/app/ingest/infrastructure/ingest-offsets.repository.js';
import { createKafka, KAFKA, TopicNames } from '@ledger/app/platform/kafka/kafka.js';
import { LedgerConsumer } from '@ledger/app/ingest/infrastructure/ledger-consumer.service.js';
import { RejectionsRepository } from '@ledger/app/rejections/read-model/rejections.repository.js';
import { LedgerHealthIndicators } from '@ledger/app/health/ledger-health.indicators.js';
import { LedgerStateGauges } from '@ledger/app/health/ledger-state.gauges.js';
import { ObservabilityModule } from '@ledger/app/platform/observability/observability.module.js';
import { PROJECTIONS, type Projection } from '@ledger/app/read-models/projection.js';
import { READ_MODEL_PROJECTIONS } from './read-model-projections.js';
import { OutboxRepository } from '@ledger/app/rated-feed/read-model/outbox.repository.js';
import { RatedMessageRelay } from '@ledger/app/rated-feed/rated-message-relay.service.js';
import { LedgerWriter } from '@ledger/app/rating/application/ledger-writer.service.js';
import { SubscriberStateRepository } from '@ledger/app/rating/infrastructure/subscriber-state.repository.js';
import { tariffProvider } from '@ledger/app/rating/infrastructure/tariff.provider.js';

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
    OutboxRepository,
    RatedMessageRelay,
    IngestBatchService,
    LedgerConsumer,
    DeadLetterProducer,
    { provide: DEAD_LETTER_SINK, useExisting: DeadLetterProducer },
    LedgerHealthIndicators,
    LedgerStateGauges,
  ],
})
export class AppModule {}
