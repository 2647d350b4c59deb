import { Module } from '@nestjs/common';
import { RatingModule } from '@ledger/app/rating/rating.module.js';
import { ReratingRunsController } from './api/rerating-runs.controller.js';
import {
  ApplyReratingRunHandler,
  GetReratingRunHandler,
  ListReratingRunsHandler,
  StartReratingRunHandler,
} from './application/rerating-run.commands.js';
import { ReratingService } from './application/rerating.service.js';
import { SubscriberStreamsRepository } from './infrastructure/subscriber-streams.repository.js';
import { ReratingRunsRepository } from './read-model/rerating-runs.repository.js';

const controllers = [ReratingRunsController];
const repositories = [SubscriberStreamsRepository, ReratingRunsRepository];
const services = [ReratingService];
const commandHandlers = [StartReratingRunHandler, ApplyReratingRunHandler];
const queryHandlers = [GetReratingRunHandler, ListReratingRunsHandler];

/** Corrections by appending: rerating runs, dry and applied (docs/CONTRACT.md section 8.2). */
@Module({
  imports: [RatingModule],
  controllers,
  providers: [...repositories, ...services, ...commandHandlers, ...queryHandlers],
  exports: [ReratingService],
})
export class ReratingModule {}
