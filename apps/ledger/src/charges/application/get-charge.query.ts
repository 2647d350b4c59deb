import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '../../database/database.js';
import { PG_POOL } from '../../database/database.module.js';
import { inSpecOrder, type Charge } from '../charge.js';

export class GetChargeQuery extends Query<Charge | null> {
  constructor(readonly messageId: string) {
    super();
  }
}

@QueryHandler(GetChargeQuery)
export class GetChargeHandler implements IQueryHandler<GetChargeQuery> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ messageId }: GetChargeQuery): Promise<Charge | null> {
    const result = await this.pool.query<{ charge: Charge }>({
      name: 'charge-by-id',
      text: 'SELECT charge FROM charges WHERE message_id = $1',
      values: [messageId],
    });
    const row = result.rows[0];
    return row ? inSpecOrder(row.charge) : null;
  }
}
