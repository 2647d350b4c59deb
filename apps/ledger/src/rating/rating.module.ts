import { Module } from '@nestjs/common';
import { RejectionsModule } from '@ledger/app/rejections/rejections.module.js';
import { TariffVersions } from './tariff/tariff-versions.js';
import { LedgerWriter } from './application/ledger-writer.service.js';
import { SubscriberStateRepository } from './infrastructure/subscriber-state.repository.js';
import { TariffController } from './api/tariff.controller.js';
import { tariffVersionsProvider } from './infrastructure/tariff.provider.js';

const repositories = [SubscriberStateRepository];
const controllers = [TariffController];
const services = [LedgerWriter, tariffVersionsProvider];

/** Rating: the tariff versions, and the writer that loads streams, decides against the current one, appends and projects. */
@Module({
  imports: [RejectionsModule],
  controllers,
  providers: [...repositories, ...services],
  exports: [LedgerWriter, TariffVersions],
})
export class RatingModule {}
