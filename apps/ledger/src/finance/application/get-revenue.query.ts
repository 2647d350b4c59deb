import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { boltOnSalesByDay } from '@ledger/app/bolt-ons/read-model/bolt-on-queries.js';
import { inSnapshot, type Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { endOfDay, startOfDay } from '@ledger/app/platform/http/utc-days.js';
import { toSafeInteger } from './sql-numbers.js';

export interface RevenueFigures {
  boltOnSalesPence: number;
  paygPence: number;
  recognisedBoltOnPence: number;
}

export interface RevenueDay extends RevenueFigures {
  date: string;
  /** Deferred bolt-on revenue as at the end of this day: a balance, not a flow. */
  deferredPence: number;
}

export interface Revenue {
  days: RevenueDay[];
  totals: RevenueFigures;
  /** As at the end of the range's last day. */
  deferredPence: number;
}

/** docs/CONTRACT.md section 4 revenue for every UTC day from `from` to `to`, both included. */
export class GetRevenueQuery extends Query<Revenue> {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super();
  }
}

interface RevenueRow {
  date: string;
  payg_pence: string;
  recognised_pence: string;
  recognised_before_pence: string;
}

/**
 * One snapshot, so the figures agree with each other while messages keep arriving. Deferred at the
 * end of each day = sales before the range - recognised before it + the range's sales - its recognised so far.
 */
@QueryHandler(GetRevenueQuery)
export class GetRevenueHandler implements IQueryHandler<GetRevenueQuery> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ from, to }: GetRevenueQuery): Promise<Revenue> {
    const start = startOfDay(from);
    const end = endOfDay(to);
    const { rows, sales } = await inSnapshot(this.pool, async (client) => ({
      sales: await boltOnSalesByDay(client, start, end),
      rows: (
        await client.query<RevenueRow>({
          name: 'finance-revenue',
          text: `WITH payg AS (
                   SELECT (sent_at AT TIME ZONE 'UTC')::date AS day, sum(pence) AS pence FROM charges
                   WHERE status = 'CHARGED' AND sent_at >= $3 AND sent_at < $4 GROUP BY 1
                 ), recognised AS (
                   SELECT (sent_at AT TIME ZONE 'UTC')::date AS day, sum(recognised_pence) AS pence FROM allocations
                   WHERE sent_at >= $3 AND sent_at < $4 GROUP BY 1
                 )
                 SELECT to_char(day, 'YYYY-MM-DD') AS date,
                        COALESCE(payg.pence, 0) AS payg_pence,
                        COALESCE(recognised.pence, 0) AS recognised_pence,
                        (SELECT COALESCE(sum(recognised_pence), 0) FROM allocations WHERE sent_at < $3)
                          AS recognised_before_pence
                 FROM (SELECT generated::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS generated) AS days
                 LEFT JOIN payg USING (day) LEFT JOIN recognised USING (day)
                 ORDER BY day`,
          values: [from, to, start, end],
        })
      ).rows,
    }));
    let deferredPence =
      toSafeInteger(sales.beforePence, 'bolt-on sales pence') -
      toSafeInteger(rows[0]?.recognised_before_pence ?? 0, 'recognised pence');
    const totals: RevenueFigures = { boltOnSalesPence: 0, paygPence: 0, recognisedBoltOnPence: 0 };
    const days = rows.map((row): RevenueDay => {
      const boltOnSalesPence = toSafeInteger(sales.byDay.get(row.date) ?? 0, 'bolt-on sales pence');
      const paygPence = toSafeInteger(row.payg_pence, 'PAYG pence');
      const recognisedBoltOnPence = toSafeInteger(row.recognised_pence, 'recognised pence');
      totals.boltOnSalesPence += boltOnSalesPence;
      totals.paygPence += paygPence;
      totals.recognisedBoltOnPence += recognisedBoltOnPence;
      deferredPence += boltOnSalesPence - recognisedBoltOnPence;
      return { date: row.date, boltOnSalesPence, paygPence, recognisedBoltOnPence, deferredPence };
    });
    return { days, totals, deferredPence };
  }
}
