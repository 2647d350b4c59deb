import { formatInstant } from '@ledger/contracts';
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';

export interface BoltOnBalance {
  purchaseId: string;
  boltOn: string;
  units: number;
  unitsRemaining: number;
  pricePence: number;
  purchasedAt: string;
}

export interface Balance {
  msisdn: string;
  unitsAvailable: number;
  boltOns: BoltOnBalance[];
}

/** A subscriber's bolt-ons now, or as they stood at an instant. */
export class GetBalanceQuery extends Query<Balance> {
  constructor(
    readonly msisdn: string,
    readonly at: string | null,
  ) {
    super();
  }
}

interface BalanceRow {
  purchase_id: string;
  bolt_on: string;
  units: number;
  units_remaining: number;
  price_pence: number;
  purchased_at: Date;
}

@QueryHandler(GetBalanceQuery)
export class GetBalanceHandler implements IQueryHandler<GetBalanceQuery> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ msisdn, at }: GetBalanceQuery): Promise<Balance> {
    const result = at === null ? await this.now(msisdn) : await this.asAt(msisdn, at);
    const boltOns = result.map((row) => ({
      purchaseId: row.purchase_id,
      boltOn: row.bolt_on,
      units: row.units,
      unitsRemaining: row.units_remaining,
      pricePence: row.price_pence,
      purchasedAt: formatInstant(row.purchased_at),
    }));
    return { msisdn, unitsAvailable: boltOns.reduce((sum, boltOn) => sum + boltOn.unitsRemaining, 0), boltOns };
  }

  private async now(msisdn: string): Promise<BalanceRow[]> {
    const result = await this.pool.query<BalanceRow>({
      name: 'balance-now',
      text: `SELECT purchase_id, bolt_on, units, units_remaining, price_pence, purchased_at FROM bolt_ons
             WHERE msisdn = $1 ORDER BY purchased_at, purchase_id`,
      values: [msisdn],
    });
    return result.rows;
  }

  /** Purchases with purchasedAt <= at, less the units used by messages with sentAt <= at. */
  private async asAt(msisdn: string, at: string): Promise<BalanceRow[]> {
    const result = await this.pool.query<BalanceRow>({
      name: 'balance-as-at',
      text: `SELECT b.purchase_id, b.bolt_on, b.units, b.price_pence, b.purchased_at,
                    b.units - COALESCE((SELECT sum(a.units) FROM allocations a
                                        WHERE a.purchase_id = b.purchase_id AND a.sent_at <= $2), 0)::int AS units_remaining
             FROM bolt_ons b
             WHERE b.msisdn = $1 AND b.purchased_at <= $2
             ORDER BY b.purchased_at, b.purchase_id`,
      values: [msisdn, at],
    });
    return result.rows;
  }
}
