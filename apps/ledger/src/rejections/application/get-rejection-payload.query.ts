import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { RejectionsRepository } from '../read-model/rejections.repository.js';

/** The whole raw payload of one rejection, or null when there is none with that id. */
export class GetRejectionPayloadQuery extends Query<Buffer | null> {
  constructor(readonly id: bigint) {
    super();
  }
}

@QueryHandler(GetRejectionPayloadQuery)
export class GetRejectionPayloadHandler implements IQueryHandler<GetRejectionPayloadQuery> {
  constructor(
    @Inject(API_PG_POOL) private readonly pool: Pool,
    private readonly rejections: RejectionsRepository,
  ) {}

  async execute({ id }: GetRejectionPayloadQuery): Promise<Buffer | null> {
    const client = await this.pool.connect();
    try {
      return await this.rejections.payload(client, id);
    } finally {
      client.release();
    }
  }
}
