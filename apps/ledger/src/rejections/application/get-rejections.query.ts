import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { RejectionsRepository, type RejectionView } from '../read-model/rejections.repository.js';

/** A page of rejections in the order recorded, after the row id `afterId`. */
export class GetRejectionsQuery extends Query<RejectionView[]> {
  constructor(
    readonly afterId: bigint,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(GetRejectionsQuery)
export class GetRejectionsHandler implements IQueryHandler<GetRejectionsQuery> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly rejections: RejectionsRepository,
  ) {}

  async execute({ afterId, limit }: GetRejectionsQuery): Promise<RejectionView[]> {
    const client = await this.pool.connect();
    try {
      return await this.rejections.page(client, afterId, limit);
    } finally {
      client.release();
    }
  }
}
