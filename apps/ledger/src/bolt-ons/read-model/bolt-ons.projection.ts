import type { Allocation } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Projection, RecordedEvent } from '@ledger/app/read-models/projection.js';
import { runWrites, type Write } from '@ledger/app/read-models/writes.js';

/**
 * Every bolt-on bought, with the units still left and the revenue recognised so far. It is also
 * the rating snapshot: the bolt-ons with units left are what the next message can draw on.
 */
export class BoltOnsProjection implements Projection {
  readonly name = 'bolt-ons';
  readonly tables = ['bolt_ons'];

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    await runWrites(client, await this.plan(client, events));
  }

  plan(_client: PoolClient, events: readonly RecordedEvent[]): Promise<Write[]> {
    return Promise.resolve(this.writes(events));
  }

  private writes(events: readonly RecordedEvent[]): Write[] {
    const writes: Write[] = [];
    const purchases = events.flatMap(({ event, globalPosition }) =>
      event.type === 'BoltOnPurchased' ? [{ ...event.data, globalPosition }] : [],
    );
    if (purchases.length > 0) {
      writes.push({
        name: 'bolt-ons-insert',
        text: `INSERT INTO bolt_ons (purchase_id, msisdn, bolt_on, units, units_remaining, price_pence, purchased_at, expires_at, global_position)
               SELECT p, m, b, u, u, pp, at, ex, g
               FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::timestamptz[], $7::timestamptz[], $8::bigint[])
                 AS t(p, m, b, u, pp, at, ex, g)`,
        values: [
          purchases.map((purchase) => purchase.purchaseId),
          purchases.map((purchase) => purchase.msisdn),
          purchases.map((purchase) => purchase.boltOn),
          purchases.map((purchase) => purchase.units),
          purchases.map((purchase) => purchase.pricePence),
          purchases.map((purchase) => purchase.purchasedAt),
          purchases.map((purchase) => purchase.expiresAt ?? null),
          purchases.map((purchase) => purchase.globalPosition.toString()),
        ],
      });
    }
    // Collapse every use of one bolt-on within the batch into one update.
    // A rerating gives back what the message held and takes what it holds now: netted over the batch,
    // since a run's reratings may pass units from one message to another in either order.
    const uses = new Map<string, { units: number; recognisedPence: number }>();
    const use = (allocations: readonly Allocation[], sign: 1 | -1): void => {
      for (const allocation of allocations) {
        const total = uses.get(allocation.purchaseId) ?? { units: 0, recognisedPence: 0 };
        total.units += sign * allocation.units;
        total.recognisedPence += sign * allocation.recognisedPence;
        uses.set(allocation.purchaseId, total);
      }
    };
    for (const { event } of events) {
      if (event.type === 'MessageCharged') use(event.data.allocations, 1);
      if (event.type === 'MessageRerated') {
        use(event.data.before.allocations, -1);
        use(event.data.after.allocations, 1);
      }
    }
    if (uses.size === 0) return writes;
    writes.push({
      name: 'bolt-ons-use',
      // A message may use a bolt-on bought in the same batch: the update must see that insert.
      seesEarlier: purchases.length > 0,
      text: `UPDATE bolt_ons SET units_remaining = units_remaining - t.u, recognised_pence = recognised_pence + t.r
             FROM unnest($1::text[], $2::int[], $3::int[]) AS t(p, u, r)
             WHERE bolt_ons.purchase_id = t.p`,
      values: [
        [...uses.keys()],
        [...uses.values()].map((use) => use.units),
        [...uses.values()].map((use) => use.recognisedPence),
      ],
    });
    return writes;
  }
}
