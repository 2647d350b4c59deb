import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { chargeOf, type Charge, type ChargeEventRow } from '../read-model/charge.js';

/** Where a page ends: the last row's sentAt and messageId, the order's tie-break. */
export interface ChargesPosition {
  sentAt: string;
  messageId: string;
}

export const isChargesPosition = (value: unknown): value is ChargesPosition =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ChargesPosition).sentAt === 'string' &&
  !Number.isNaN(Date.parse((value as ChargesPosition).sentAt)) &&
  typeof (value as ChargesPosition).messageId === 'string';

export interface ChargesPage {
  items: Charge[];
  next: ChargesPosition | null;
}

export class GetChargesQuery extends Query<ChargesPage> {
  constructor(
    readonly msisdn: string,
    readonly from: string | null,
    readonly to: string | null,
    readonly limit: number,
    readonly after: ChargesPosition | null,
  ) {
    super();
  }
}

/** The messages a subscriber sent, oldest sentAt first, keyset-paged. */
@QueryHandler(GetChargesQuery)
export class GetChargesHandler implements IQueryHandler<GetChargesQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  async execute({ msisdn, from, to, limit, after }: GetChargesQuery): Promise<ChargesPage> {
    const result = await this.pool.query<ChargesPageRow>({
      name: 'charges-page',
      text: `SELECT e.event_type, e.data, c.corrections, c.sent_at, c.message_id FROM charges c
             JOIN events e ON e.global_position = c.global_position
             WHERE c.sender_msisdn = $1
               AND ($2::timestamptz IS NULL OR c.sent_at >= $2)
               AND ($3::timestamptz IS NULL OR c.sent_at < $3)
               AND ($4::timestamptz IS NULL OR (c.sent_at, c.message_id) > ($4::timestamptz, $5::text))
             ORDER BY c.sent_at, c.message_id
             LIMIT $6`,
      values: [msisdn, from, to, after?.sentAt ?? null, after?.messageId ?? null, limit + 1],
    });
    return toChargesPage(result.rows, limit);
  }
}

export type ChargesPageRow = ChargeEventRow & { sent_at: Date; message_id: string };

/** Turns `limit + 1` rows in (sentAt, messageId) order into a page and where the next one starts. */
export function toChargesPage(rows: readonly ChargesPageRow[], limit: number): ChargesPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(chargeOf),
    next: rows.length > limit && last ? { sentAt: last.sent_at.toISOString(), messageId: last.message_id } : null,
  };
}
