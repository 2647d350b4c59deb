import { Module } from '@nestjs/common';
import { GetRejectionPayloadHandler } from './application/get-rejection-payload.query.js';
import { GetRejectionsHandler } from './application/get-rejections.query.js';
import { RejectionReplaysRepository } from './read-model/rejection-replays.repository.js';
import { RejectionsRepository } from './read-model/rejections.repository.js';

const queryHandlers = [GetRejectionsHandler, GetRejectionPayloadHandler];
const repositories = [RejectionsRepository, RejectionReplaysRepository];

/** The rejected inputs' read model: ingest and rating write to it; the ingest API pages it by query. */
@Module({ providers: [...queryHandlers, ...repositories], exports: repositories })
export class RejectionsModule {}
