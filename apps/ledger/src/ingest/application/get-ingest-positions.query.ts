import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerConsumer, type PartitionPosition } from '../infrastructure/ledger-consumer.service.js';

/** Where consumption stands on every input partition: recorded offset, high watermark, lag. */
export class GetIngestPositionsQuery extends Query<PartitionPosition[]> {}

@QueryHandler(GetIngestPositionsQuery)
export class GetIngestPositionsHandler implements IQueryHandler<GetIngestPositionsQuery> {
  constructor(
    private readonly consumer: LedgerConsumer,
    @Inject(API_PG_POOL) private readonly pool: Pool,
  ) {}

  execute(): Promise<PartitionPosition[]> {
    return this.consumer.positions(this.pool);
  }
}
