import { Module } from '@nestjs/common';
import { RejectionsModule } from '@ledger/app/rejections/rejections.module.js';
import { LedgerWriter } from './application/ledger-writer.service.js';
import { SubscriberStateRepository } from './infrastructure/subscriber-state.repository.js';
import { tariffProvider } from './infrastructure/tariff.provider.js';

const repositories = [SubscriberStateRepository];
const services = [LedgerWriter, tariffProvider];

/** Rating: the writer that loads streams, decides against the tariff, appends and projects. */
@Module({
  imports: [RejectionsModule],
  providers: [...repositories, ...services],
  exports: [LedgerWriter],
})
export class RatingModule {}
