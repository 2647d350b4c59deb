import { Inject } from '@nestjs/common';
import { Command, CommandHandler, Query, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { FINANCE_STREAM, formatInstant, periodClosedKey, type PeriodClosed } from '@ledger/contracts';
import { PostgresEventStore } from '@ledger/event-store';
import { inTransaction, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL, PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { lockPeriodsForClose } from '@ledger/app/platform/database/period-lock.js';
import { PROJECTIONS, type Projection } from '@ledger/app/read-models/projection.js';
import type { RevenueFigures } from './get-revenue.query.js';
import { postedAsAt } from './get-revenue.query.js';
import { toSafeInteger } from './sql-numbers.js';

export type PeriodStatus = 'OPEN' | 'CLOSED';

/** A month of the finance figures as posted (docs/CONTRACT.md section 9). */
export interface PeriodView {
  period: string;
  status: PeriodStatus;
  closedAt: string | null;
  /** The month's figures as posted; for a closed month, exactly as they stood at close. */
  totals: RevenueFigures & { deferredPence: number };
}

/** Every month with activity, oldest first, and every month closed. */
export class GetPeriodsQuery extends Query<PeriodView[]> {}

/** Closes the month and every earlier open one; answers the month as it now stands. */
export class ClosePeriodCommand extends Command<PeriodView> {
  constructor(readonly period: string) {
    super();
  }
}

interface PeriodRow {
  period: string;
  closed_through: string | null;
  closed_at: Date | null;
  s: string;
  pg: string;
  r: string;
  br: string;
  deferred: string;
}

async function periods(client: Pool | PoolClient, only: string | null): Promise<PeriodView[]> {
  const result = await client.query<PeriodRow>({
    text: `WITH posted AS (${postedAsAt('$1')}),
           months AS (
             SELECT to_char(posting_day, 'YYYY-MM') AS period, sum(s) AS s, sum(pg) AS pg, sum(r) AS r, sum(br) AS br
             FROM posted GROUP BY 1
             UNION ALL
             SELECT period, 0, 0, 0, 0 FROM finance_periods
           ), per_month AS (
             SELECT period, sum(s) AS s, sum(pg) AS pg, sum(r) AS r, sum(br) AS br FROM months GROUP BY 1
           )
           SELECT m.period, (SELECT max(period) FROM finance_periods) AS closed_through,
                  (SELECT min(closed_at) FROM finance_periods f WHERE f.period >= m.period) AS closed_at,
                  m.s, m.pg, m.r, m.br,
                  sum(m.s - m.r - m.br) OVER (ORDER BY m.period) AS deferred
           FROM per_month m ORDER BY m.period`,
    values: [new Date().toISOString()],
  });
  const views = result.rows.map((row): PeriodView => ({
    period: row.period,
    status: row.closed_through !== null && row.period <= row.closed_through ? 'CLOSED' : 'OPEN',
    closedAt:
      row.closed_through !== null && row.period <= row.closed_through && row.closed_at
        ? formatInstant(row.closed_at)
        : null,
    totals: {
      boltOnSalesPence: toSafeInteger(row.s, 'bolt-on sales pence'),
      paygPence: toSafeInteger(row.pg, 'PAYG pence'),
      recognisedBoltOnPence: toSafeInteger(row.r, 'recognised pence'),
      breakagePence: toSafeInteger(row.br, 'breakage pence'),
      deferredPence: toSafeInteger(row.deferred, 'deferred pence'),
    },
  }));
  return only === null ? views : views.filter((view) => view.period === only);
}

@QueryHandler(GetPeriodsQuery)
export class GetPeriodsHandler implements IQueryHandler<GetPeriodsQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  execute(): Promise<PeriodView[]> {
    return periods(this.pool, null);
  }
}

/**
 * A close is an event of the finance stream, so a rebuild places every figure as it was placed live.
 * The exclusive periods lock waits for every transaction projecting against the old closes, and holds
 * off new ones until the close is committed; closing a closed month again appends nothing.
 */
@CommandHandler(ClosePeriodCommand)
export class ClosePeriodHandler implements ICommandHandler<ClosePeriodCommand> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly eventStore: PostgresEventStore,
    @Inject(PROJECTIONS) private readonly projections: readonly Projection[],
  ) {}

  async execute({ period }: ClosePeriodCommand): Promise<PeriodView> {
    return inTransaction(this.pool, async (client) => {
      await lockPeriodsForClose(client);
      const state = await client.query<{ closed_through: string | null; version: number | null }>(
        `SELECT (SELECT max(period) FROM finance_periods) AS closed_through,
                (SELECT version FROM event_streams WHERE stream_id = $1) AS version`,
        [FINANCE_STREAM],
      );
      const { closed_through: closedThrough, version } = state.rows[0];
      if (closedThrough === null || period > closedThrough) {
        const event: PeriodClosed = { type: 'PeriodClosed', data: { period, closedAt: formatInstant(Date.now()) } };
        const [globalPosition] = await this.eventStore.append(client, [
          {
            streamId: FINANCE_STREAM,
            streamVersion: (version ?? 0) + 1,
            type: event.type,
            idempotencyKey: periodClosedKey(period),
            data: event.data,
          },
        ]);
        for (const projection of this.projections) await projection.apply(client, [{ globalPosition, event }]);
      }
      const [view] = await periods(client, period);
      return (
        view ?? {
          period,
          status: 'CLOSED',
          closedAt: null,
          totals: { boltOnSalesPence: 0, paygPence: 0, recognisedBoltOnPence: 0, breakagePence: 0, deferredPence: 0 },
        }
      );
    });
  }
}
