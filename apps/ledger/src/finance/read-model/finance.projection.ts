import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Projection, ProjectionContext, RecordedEvent } from '@ledger/app/read-models/projection.js';
import { runWrites, type Write } from '@ledger/app/read-models/writes.js';
import { postingsOf, type ClosedThrough } from '../domain/postings.js';

/**
 * The finance figures as posted (docs/CONTRACT.md sections 9 and 10): each event's postings, placed by
 * the closes recorded before it in the log, so a rebuild gives the same answer. The caller holds the
 * periods lock in share mode (holdPeriodsOpen), so no close commits between reading the closes and committing.
 */
export class FinanceProjection implements Projection {
  readonly name = 'finance';
  readonly tables = ['finance_postings', 'finance_expiries', 'finance_periods'];

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    await runWrites(client, await this.plan(client, events));
  }

  /** The closes are read here unless the caller read them after taking the periods lock (`context`). */
  async plan(client: PoolClient, events: readonly RecordedEvent[], context: ProjectionContext = {}): Promise<Write[]> {
    const writes: Write[] = [];
    if (events.length === 0) return writes;
    let closedThrough = context.closedThrough === undefined ? await closedThroughOf(client) : context.closedThrough;
    const expiries = await expiriesOf(client, events);
    const rows: unknown[] = [];
    const newExpiries: { p: string; at: string }[] = [];
    const closes: { p: string; at: string; g: string }[] = [];
    for (const { event, globalPosition } of events) {
      if (event.type === 'PeriodClosed') {
        closes.push({ p: event.data.period, at: event.data.closedAt, g: globalPosition.toString() });
        if (closedThrough === null || event.data.period > closedThrough) closedThrough = event.data.period;
        continue;
      }
      if (event.type === 'BoltOnPurchased' && event.data.expiresAt) {
        expiries.set(event.data.purchaseId, event.data.expiresAt);
        newExpiries.push({ p: event.data.purchaseId, at: event.data.expiresAt });
      }
      postingsOf(event, closedThrough, (purchaseId) => expiries.get(purchaseId) ?? null).forEach((posting, ordinal) =>
        rows.push({
          g: globalPosition.toString(),
          o: ordinal,
          d: posting.postingDay,
          p: posting.period,
          b: posting.breakageAt,
          n: posting.network,
          s: posting.boltOnSalesPence,
          pg: posting.paygPence,
          r: posting.recognisedBoltOnPence,
          br: posting.breakagePence,
          os: posting.outboundSms,
          om: posting.outboundMms,
          is: posting.inboundSms,
          im: posting.inboundMms,
        }),
      );
    }
    if (newExpiries.length > 0) {
      writes.push({
        name: 'finance-expiries-insert',
        text: `INSERT INTO finance_expiries (purchase_id, expires_at)
               SELECT p, at FROM json_to_recordset($1::json) AS t(p text, at timestamptz)`,
        values: [JSON.stringify(newExpiries)],
      });
    }
    if (closes.length > 0) {
      writes.push({
        name: 'finance-periods-insert',
        text: `INSERT INTO finance_periods (period, closed_at, global_position)
               SELECT p, at, g FROM json_to_recordset($1::json) AS t(p text, at timestamptz, g bigint)`,
        values: [JSON.stringify(closes)],
      });
    }
    if (rows.length === 0) return writes;
    writes.push({
      name: 'finance-postings-insert',
      text: `INSERT INTO finance_postings (global_position, ordinal, posting_day, period, breakage_at, network,
               bolt_on_sales_pence, payg_pence, recognised_pence, breakage_pence,
               outbound_sms, outbound_mms, inbound_sms, inbound_mms)
             SELECT g, o, d, p, b, n, s, pg, r, br, os, om, "is", im FROM json_to_recordset($1::json)
               AS t(g bigint, o smallint, d date, p text, b timestamptz, n text, s bigint, pg bigint, r bigint, br bigint,
                    os int, om int, "is" int, im int)`,
      values: [JSON.stringify(rows)],
    });
    return writes;
  }
}

async function closedThroughOf(client: PoolClient): Promise<ClosedThrough> {
  const result = await client.query<{ closed_through: string | null }>({
    name: 'finance-closed-through',
    text: 'SELECT max(period) AS closed_through FROM finance_periods',
  });
  return result.rows[0]?.closed_through ?? null;
}

/** Expiry of the bolt-ons the batch's messages drew on, when they expire at all. */
async function expiriesOf(client: PoolClient, events: readonly RecordedEvent[]): Promise<Map<string, string>> {
  const purchaseIds = new Set<string>();
  for (const { event } of events) {
    if (event.type === 'MessageCharged')
      for (const { purchaseId } of event.data.allocations) purchaseIds.add(purchaseId);
    if (event.type === 'MessageRerated') {
      for (const { purchaseId } of [...event.data.before.allocations, ...event.data.after.allocations])
        purchaseIds.add(purchaseId);
    }
  }
  const expiries = new Map<string, string>();
  if (purchaseIds.size === 0) return expiries;
  const result = await client.query<{ purchase_id: string; expires_at: Date }>({
    name: 'finance-expiries-of',
    text: 'SELECT purchase_id, expires_at FROM finance_expiries WHERE purchase_id = ANY($1::text[])',
    values: [[...purchaseIds]],
  });
  for (const row of result.rows) expiries.set(row.purchase_id, row.expires_at.toISOString());
  return expiries;
}
