import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Network } from '@ledger/contracts';
import type { Charge } from '@ledger/app/charges/read-model/charge.js';
import {
  toChargesPage,
  type ChargesPage,
  type ChargesPageRow,
  type ChargesPosition,
} from '@ledger/app/charges/application/get-charges.query.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { endOfDay, startOfDay } from '@ledger/app/platform/http/utc-days.js';

export type InterconnectDirection = 'outbound' | 'inbound';

const STATUSES: Record<InterconnectDirection, Charge['status']> = { outbound: 'CHARGED', inbound: 'RECORDED' };

/** The charges behind an interconnect figure: one partner network, one UTC day, either or both directions. */
export class GetInterconnectMessagesQuery extends Query<ChargesPage> {
  constructor(
    readonly network: Network,
    readonly date: string,
    readonly direction: InterconnectDirection | null,
    readonly limit: number,
    readonly after: ChargesPosition | null,
  ) {
    super();
  }
}

/** Oldest sentAt first (ties: messageId), keyset-paged; GREATEST skips a null cursor and starts the index scan at it. */
@QueryHandler(GetInterconnectMessagesQuery)
export class GetInterconnectMessagesHandler implements IQueryHandler<GetInterconnectMessagesQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  async execute({ network, date, direction, limit, after }: GetInterconnectMessagesQuery): Promise<ChargesPage> {
    const statuses = direction ? [STATUSES[direction]] : Object.values(STATUSES);
    const result = await this.pool.query<ChargesPageRow>({
      name: 'finance-interconnect-messages',
      text: `SELECT e.event_type, e.data, c.corrections, c.sent_at, c.message_id FROM charges c
             JOIN events e ON e.global_position = c.global_position
             WHERE c.partner_network = $1 AND c.status = ANY($2::text[]) AND c.sent_at < $4
               AND c.sent_at >= GREATEST($3::timestamptz, $5::timestamptz)
               AND ($5::timestamptz IS NULL OR (c.sent_at, c.message_id) > ($5::timestamptz, $6::text))
             ORDER BY c.sent_at, c.message_id
             LIMIT $7`,
      values: [
        network,
        statuses,
        startOfDay(date),
        endOfDay(date),
        after?.sentAt ?? null,
        after?.messageId ?? null,
        limit + 1,
      ],
    });
    return toChargesPage(result.rows, limit);
  }
}
