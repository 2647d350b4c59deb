import { Module } from '@nestjs/common';
import { RejectionsRepository } from './read-model/rejections.repository.js';

const repositories = [RejectionsRepository];

/** The rejected inputs' read model: ingest and rating both write to it and read it. */
@Module({ providers: repositories, exports: repositories })
export class RejectionsModule {}
