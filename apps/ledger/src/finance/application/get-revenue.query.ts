import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { toSafeInteger } from './sql-numbers.js';

export interface RevenueFigures {
  boltOnSalesPence: number;
  paygPence: number;
  recognisedBoltOnPence: number;
  breakagePence: number;
}

/** A prior-period adjustment: what changed in a closed month, posted on this day (docs/CONTRACT.md section 9). */
export interface Adjustment extends RevenueFigures {
  period: string;
}

export interface RevenueDay extends RevenueFigures {
  date: string;
  /** Included in the day's figures. */
  adjustments: Adjustment[];
  /** Deferred bolt-on revenue as at the end of this day: a balance, not a flow. */
  deferredPence: number;
}

export interface Revenue {
  days: RevenueDay[];
  totals: RevenueFigures;
  /** As at the end of the range's last day. */
  deferredPence: number;
}

/** docs/CONTRACT.md sections 4, 9 and 10 revenue for every UTC day from `from` to `to`, both included, as posted. */
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
  bolt_on_sales_pence: string;
  payg_pence: string;
  recognised_pence: string;
  breakage_pence: string;
  adjustments: { period: string; s: number; pg: number; r: number; br: number }[] | null;
  opening_deferred_pence: string;
}

/** The postings with breakage counted only once its bolt-on has expired (docs/CONTRACT.md section 10); `now` names the parameter. */
export const postedAsAt = (
  now: string,
): string => `SELECT posting_day, period, network, bolt_on_sales_pence AS s, payg_pence AS pg, recognised_pence AS r,
         CASE WHEN breakage_at IS NULL OR breakage_at <= ${now}::timestamptz THEN breakage_pence ELSE 0 END AS br,
         outbound_sms, outbound_mms, inbound_sms, inbound_mms
  FROM finance_postings`;

/**
 * One statement, so one snapshot: the figures agree with each other while messages keep arriving.
 * Deferred at the end of each day = what was posted before the range + the range's sales - recognised - breakage so far.
 */
@QueryHandler(GetRevenueQuery)
export class GetRevenueHandler implements IQueryHandler<GetRevenueQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  async execute({ from, to }: GetRevenueQuery): Promise<Revenue> {
    const result = await this.pool.query<RevenueRow>({
      name: 'finance-revenue',
      text: `WITH posted AS (${postedAsAt('$3')}),
             ranged AS (SELECT * FROM posted WHERE posting_day >= $1::date AND posting_day <= $2::date),
             per_day AS (
               SELECT posting_day AS day, sum(s) AS s, sum(pg) AS pg, sum(r) AS r, sum(br) AS br FROM ranged GROUP BY 1
             ), adjustments AS (
               SELECT posting_day AS day,
                      json_agg(json_build_object('period', period, 's', s, 'pg', pg, 'r', r, 'br', br) ORDER BY period) AS list
               FROM (SELECT posting_day, period, sum(s) AS s, sum(pg) AS pg, sum(r) AS r, sum(br) AS br FROM ranged
                     WHERE period <> to_char(posting_day, 'YYYY-MM') GROUP BY 1, 2) AS by_period
               GROUP BY 1
             )
             SELECT to_char(day, 'YYYY-MM-DD') AS date,
                    COALESCE(per_day.s, 0) AS bolt_on_sales_pence,
                    COALESCE(per_day.pg, 0) AS payg_pence,
                    COALESCE(per_day.r, 0) AS recognised_pence,
                    COALESCE(per_day.br, 0) AS breakage_pence,
                    adjustments.list AS adjustments,
                    (SELECT COALESCE(sum(s - r - br), 0) FROM posted WHERE posting_day < $1::date) AS opening_deferred_pence
             FROM (SELECT generated::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS generated) AS days
             LEFT JOIN per_day USING (day) LEFT JOIN adjustments USING (day)
             ORDER BY day`,
      values: [from, to, new Date().toISOString()],
    });
    let deferredPence = toSafeInteger(result.rows[0]?.opening_deferred_pence ?? 0, 'deferred pence');
    const totals: RevenueFigures = { boltOnSalesPence: 0, paygPence: 0, recognisedBoltOnPence: 0, breakagePence: 0 };
    const days = result.rows.map((row): RevenueDay => {
      const figures: RevenueFigures = {
        boltOnSalesPence: toSafeInteger(row.bolt_on_sales_pence, 'bolt-on sales pence'),
        paygPence: toSafeInteger(row.payg_pence, 'PAYG pence'),
        recognisedBoltOnPence: toSafeInteger(row.recognised_pence, 'recognised pence'),
        breakagePence: toSafeInteger(row.breakage_pence, 'breakage pence'),
      };
      totals.boltOnSalesPence += figures.boltOnSalesPence;
      totals.paygPence += figures.paygPence;
      totals.recognisedBoltOnPence += figures.recognisedBoltOnPence;
      totals.breakagePence += figures.breakagePence;
      deferredPence += figures.boltOnSalesPence - figures.recognisedBoltOnPence - figures.breakagePence;
      const adjustments = (row.adjustments ?? []).map((adjustment): Adjustment => ({
        period: adjustment.period,
        boltOnSalesPence: toSafeInteger(adjustment.s, 'bolt-on sales pence'),
        paygPence: toSafeInteger(adjustment.pg, 'PAYG pence'),
        recognisedBoltOnPence: toSafeInteger(adjustment.r, 'recognised pence'),
        breakagePence: toSafeInteger(adjustment.br, 'breakage pence'),
      }));
      return { date: row.date, ...figures, adjustments, deferredPence };
    });
    return { days, totals, deferredPence };
  }
}
