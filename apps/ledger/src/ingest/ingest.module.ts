import { Module } from '@nestjs/common';
import { RatingModule } from '@ledger/app/rating/rating.module.js';
import { RejectionsModule } from '@ledger/app/rejections/rejections.module.js';
import { IngestController } from './api/ingest.controller.js';
import { RejectionsReplayController } from './api/rejections-replay.controller.js';
import { AcknowledgeOffsetGapHandler } from './application/acknowledge-offset-gap.command.js';
import { IngestBatchService } from './application/ingest-batch.service.js';
import { GetIngestPositionsHandler } from './application/get-ingest-positions.query.js';
import { RecordSliceHandler } from './application/record-slice.handler.js';
import { ReplayRejectionsHandler } from './application/replay-rejections.handler.js';
import { DeadLetterRelay } from './infrastructure/dead-letter-relay.service.js';
import { DeadLettersRepository } from './infrastructure/dead-letters.repository.js';
import { IngestOffsetsRepository } from './infrastructure/ingest-offsets.repository.js';
import { LedgerConsumer } from './infrastructure/ledger-consumer.service.js';
import { OffsetGapsRepository } from './infrastructure/offset-gaps.repository.js';
import { PartitionWatch } from './infrastructure/partition-watch.service.js';

const controllers = [IngestController, RejectionsReplayController];
const commandHandlers = [RecordSliceHandler, AcknowledgeOffsetGapHandler, ReplayRejectionsHandler];
const queryHandlers = [GetIngestPositionsHandler];
const repositories = [IngestOffsetsRepository, DeadLettersRepository, OffsetGapsRepository];
const services = [IngestBatchService, LedgerConsumer, DeadLetterRelay, PartitionWatch];

/** Ingest: the Kafka consumer, its offsets and dead letters, and the ingest status API. */
@Module({
  imports: [RatingModule, RejectionsModule],
  controllers,
  providers: [...commandHandlers, ...queryHandlers, ...repositories, ...services],
  exports: [LedgerConsumer, PartitionWatch, DeadLetterRelay, ...repositories],
})
export class IngestModule {}
