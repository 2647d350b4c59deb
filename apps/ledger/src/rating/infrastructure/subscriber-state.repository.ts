import { Injectable } from '@nestjs/common';
import { streamOf, formatInstant } from '@ledger/contracts';
import { ConcurrencyError } from '@ledger/event-store';
import { initialSubscriberState, type BoltOnHolding, type SubscriberState } from '@ledger/rating';
import type { PoolClient } from '../../database/database.js';

export interface LoadedSubscriber {
  state: SubscriberState;
  version: number;
}

interface HoldingRow {
  msisdn: string;
  purchase_id: string;
  bolt_on: string;
  units: number;
  units_remaining: number;
  price_pence: number;
  purchased_at: Date;
}

/**
 * Loads what rating needs of each subscriber: the stream's version from the event store, and the
 * bolt-ons with units left from their read model (written in the same transactions as the events).
 */
@Injectable()
export class SubscriberStateRepository {
  async load(client: PoolClient, msisdns: readonly string[]): Promise<Map<string, LoadedSubscriber>> {
    const loaded = new Map<string, LoadedSubscriber>(
      msisdns.map((msisdn) => [msisdn, { state: initialSubscriberState(msisdn), version: 0 }]),
    );
    if (msisdns.length === 0) return loaded;
    const versions = await client.query<{ stream_id: string; version: number; ahead: boolean }>({
      name: 'subscriber-versions',
      // One backward index probe per stream: the cost does not grow with a subscriber's history.
      text: `SELECT s.stream_id, e.stream_version AS version, e.transaction_id > pg_current_xact_id() AS ahead
             FROM unnest($1::text[]) AS s(stream_id)
             CROSS JOIN LATERAL (SELECT stream_version, transaction_id FROM events
                                 WHERE events.stream_id = s.stream_id
                                 ORDER BY stream_version DESC LIMIT 1) e`,
      values: [msisdns.map(streamOf)],
    });
    // The feed reads in transaction id order: a stream's next event must come from a later transaction.
    const ahead = versions.rows.find((row) => row.ahead);
    if (ahead) throw new ConcurrencyError(`transaction order of ${ahead.stream_id}`);
    const versionByStream = new Map(versions.rows.map((row) => [row.stream_id, row.version]));
    const holdings = await client.query<HoldingRow>({
      name: 'subscriber-holdings',
      text: `SELECT msisdn, purchase_id, bolt_on, units, units_remaining, price_pence, purchased_at FROM bolt_ons
             WHERE msisdn = ANY($1::text[]) AND units_remaining > 0
             ORDER BY purchased_at, purchase_id`,
      values: [msisdns],
    });
    const holdingsBySubscriber = new Map<string, BoltOnHolding[]>();
    for (const row of holdings.rows) {
      const list = holdingsBySubscriber.get(row.msisdn) ?? [];
      list.push({
        purchaseId: row.purchase_id,
        boltOn: row.bolt_on,
        units: row.units,
        unitsRemaining: row.units_remaining,
        pricePence: row.price_pence,
        purchasedAt: formatInstant(row.purchased_at),
      });
      holdingsBySubscriber.set(row.msisdn, list);
    }
    for (const msisdn of msisdns) {
      loaded.set(msisdn, {
        state: { msisdn, boltOns: holdingsBySubscriber.get(msisdn) ?? [] },
        version: versionByStream.get(streamOf(msisdn)) ?? 0,
      });
    }
    return loaded;
  }
}
