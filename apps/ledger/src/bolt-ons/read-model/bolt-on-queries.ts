import { formatInstant } from '@ledger/contracts';
import type { BoltOnHolding } from '@ledger/rating';
import type { Pool, PoolClient } from '@ledger/app/platform/database/database.js';

/** A bolt_ons row as its queries read it: the one row type of the bolt-ons read model. */
export interface BoltOnRow {
  msisdn: string;
  purchase_id: string;
  bolt_on: string;
  units: number;
  units_remaining: number;
  price_pence: number;
  purchased_at: Date;
  expires_at: Date | null;
}

export function holdingOf(row: Omit<BoltOnRow, 'msisdn'>): BoltOnHolding {
  return {
    purchaseId: row.purchase_id,
    boltOn: row.bolt_on,
    units: row.units,
    unitsRemaining: row.units_remaining,
    pricePence: row.price_pence,
    purchasedAt: formatInstant(row.purchased_at),
    expiresAt: row.expires_at === null ? null : formatInstant(row.expires_at),
  };
}

/** A subscriber's bolt-ons as they stand now. */
export async function boltOnsNow(pool: Pool, msisdn: string): Promise<Omit<BoltOnRow, 'msisdn'>[]> {
  const result = await pool.query<Omit<BoltOnRow, 'msisdn'>>({
    name: 'balance-now',
    text: `SELECT purchase_id, bolt_on, units, units_remaining, price_pence, purchased_at, expires_at FROM bolt_ons
           WHERE msisdn = $1 ORDER BY purchased_at, purchase_id`,
    values: [msisdn],
  });
  return result.rows;
}

/** Purchases with purchasedAt <= at, less the units used by messages with sentAt <= at. */
export async function boltOnsAsAt(pool: Pool, msisdn: string, at: string): Promise<Omit<BoltOnRow, 'msisdn'>[]> {
  const result = await pool.query<Omit<BoltOnRow, 'msisdn'>>({
    name: 'balance-as-at',
    text: `SELECT b.purchase_id, b.bolt_on, b.units, b.price_pence, b.purchased_at, b.expires_at,
                  b.units - COALESCE((SELECT sum(a.units) FROM allocations a
                                      WHERE a.purchase_id = b.purchase_id AND a.sent_at <= $2), 0)::int AS units_remaining
           FROM bolt_ons b
           WHERE b.msisdn = $1 AND b.purchased_at <= $2
           ORDER BY b.purchased_at, b.purchase_id`,
    values: [msisdn, at],
  });
  return result.rows;
}

/** Bolt-on sales (bigint sums, as pg hands them over: text) for finance's revenue. */
export interface BoltOnSales {
  /** Sales of every bolt-on purchased before the range. */
  beforePence: string;
  /** Sales per UTC day (YYYY-MM-DD) in the range; days without a sale are absent. */
  byDay: Map<string, string>;
}

/** Sales before `start` and per UTC day in [start, end); run both in one snapshot with the other figures. */
export async function boltOnSalesByDay(client: PoolClient, start: string, end: string): Promise<BoltOnSales> {
  const before = await client.query<{ pence: string }>({
    name: 'bolt-on-sales-before',
    text: `SELECT COALESCE(sum(price_pence), 0) AS pence FROM bolt_ons WHERE purchased_at < $1`,
    values: [start],
  });
  const days = await client.query<{ date: string; pence: string }>({
    name: 'bolt-on-sales-by-day',
    text: `SELECT to_char((purchased_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS date, sum(price_pence) AS pence
           FROM bolt_ons WHERE purchased_at >= $1 AND purchased_at < $2 GROUP BY 1`,
    values: [start, end],
  });
  return {
    beforePence: before.rows[0]?.pence ?? '0',
    byDay: new Map(days.rows.map((row) => [row.date, row.pence])),
  };
}
