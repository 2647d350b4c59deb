import { Module } from '@nestjs/common';
import { RatedFeedModule } from '@ledger/app/rated-feed/rated-feed.module.js';
import { RejectionsModule } from '@ledger/app/rejections/rejections.module.js';
import { LedgerWriter } from './application/ledger-writer.service.js';
import { SubscriberStateRepository } from './infrastructure/subscriber-state.repository.js';
import { tariffProvider } from './infrastructure/tariff.provider.js';

const repositories = [SubscriberStateRepository];
const services = [LedgerWriter, tariffProvider];

/** Rating: the writer that loads streams, decides against the tariff, appends and projects. */
@Module({
  imports: [RejectionsModule, RatedFeedModule],
  providers: [...repositories, ...services],
  exports: [LedgerWriter],
})
export class RatingModule {}
