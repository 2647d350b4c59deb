import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { LedgerConsumer, type PartitionPosition } from '../infrastructure/ledger-consumer.service.js';

/** Where consumption stands on every input partition: recorded offset, high watermark, lag. */
export class GetIngestPositionsQuery extends Query<PartitionPosition[]> {}

@QueryHandler(GetIngestPositionsQuery)
export class GetIngestPositionsHandler implements IQueryHandler<GetIngestPositionsQuery> {
  constructor(private readonly consumer: LedgerConsumer) {}

  execute(): Promise<PartitionPosition[]> {
    return this.consumer.positions();
  }
}
