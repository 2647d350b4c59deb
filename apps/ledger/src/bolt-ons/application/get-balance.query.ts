import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { boltOnsAsAt, boltOnsNow, holdingOf } from '../read-model/bolt-on-queries.js';

export interface BoltOnBalance {
  purchaseId: string;
  boltOn: string;
  units: number;
  unitsRemaining: number;
  pricePence: number;
  purchasedAt: string;
  /** When its units stop serving (exclusive); null: never. */
  expiresAt: string | null;
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

@QueryHandler(GetBalanceQuery)
export class GetBalanceHandler implements IQueryHandler<GetBalanceQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  async execute({ msisdn, at }: GetBalanceQuery): Promise<Balance> {
    const rows = at === null ? await boltOnsNow(this.pool, msisdn) : await boltOnsAsAt(this.pool, msisdn, at);
    const boltOns = rows.map(holdingOf);
    // Expired units are listed but serve nothing, so they are not available (docs/CONTRACT.md section 10).
    const instant = at === null ? Date.now() : Date.parse(at);
    const unitsAvailable = boltOns
      .filter((boltOn) => boltOn.expiresAt === null || instant < Date.parse(boltOn.expiresAt))
      .reduce((sum, boltOn) => sum + boltOn.unitsRemaining, 0);
    return { msisdn, unitsAvailable, boltOns };
  }
}
