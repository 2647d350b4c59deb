import { Module } from '@nestjs/common';
import { RatingModule } from '@ledger/app/rating/rating.module.js';
import { RejectionsModule } from '@ledger/app/rejections/rejections.module.js';
import { IngestController } from './api/ingest.controller.js';
import { RejectionsReplayController } from './api/rejections-replay.controller.js';
import { DEAD_LETTER_SINK, IngestBatchService } from './application/ingest-batch.service.js';
import { GetIngestPositionsHandler } from './application/get-ingest-positions.query.js';
import { RecordSliceHandler } from './application/record-slice.handler.js';
import { ReplayRejectionsHandler } from './application/replay-rejections.handler.js';
import { DeadLetterProducer } from './infrastructure/dead-letter.producer.js';
import { IngestOffsetsRepository } from './infrastructure/ingest-offsets.repository.js';
import { LedgerConsumer } from './infrastructure/ledger-consumer.service.js';

const controllers = [IngestController, RejectionsReplayController];
const commandHandlers = [RecordSliceHandler, ReplayRejectionsHandler];
const queryHandlers = [GetIngestPositionsHandler];
const repositories = [IngestOffsetsRepository];
const services = [
  IngestBatchService,
  LedgerConsumer,
  DeadLetterProducer,
  { provide: DEAD_LETTER_SINK, useExisting: DeadLetterProducer },
];

/** Ingest: the Kafka consumer, its offsets and dead letters, and the ingest status API. */
@Module({
  imports: [RatingModule, RejectionsModule],
  controllers,
  providers: [...commandHandlers, ...queryHandlers, ...repositories, ...services],
  exports: [LedgerConsumer],
})
export class IngestModule {}
