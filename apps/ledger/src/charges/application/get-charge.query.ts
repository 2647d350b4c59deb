import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { chargeOf, type Charge, type ChargeEventRow } from '../read-model/charge.js';

export class GetChargeQuery extends Query<Charge | null> {
  constructor(readonly messageId: string) {
    super();
  }
}

@QueryHandler(GetChargeQuery)
export class GetChargeHandler implements IQueryHandler<GetChargeQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  async execute({ messageId }: GetChargeQuery): Promise<Charge | null> {
    const result = await this.pool.query<ChargeEventRow>({
      name: 'charge-by-id',
      text: `SELECT e.event_type, e.data, c.corrections FROM charges c JOIN events e ON e.global_position = c.global_position
             WHERE c.message_id = $1`,
      values: [messageId],
    });
    const row = result.rows[0];
    return row ? chargeOf(row) : null;
  }
}
