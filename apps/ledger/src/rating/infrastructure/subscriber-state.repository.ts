import { Injectable } from '@nestjs/common';
import { formatInstant, streamOf } from '@ledger/contracts';
import { ConcurrencyError } from '@ledger/event-store';
import { initialSubscriberState, type BoltOnHolding, type SubscriberState } from '@ledger/rating';
import type { PoolClient } from '@ledger/app/platform/database/database.js';

/** A subscriber's stream id is this prefix and the msisdn (streamOf). */
const STREAM_PREFIX = streamOf('');

export interface LoadedSubscriber {
  state: SubscriberState;
  version: number;
}

/** What one slice's rating reads before it decides, in one statement. */
export interface LoadedSlice {
  readonly subscribers: Map<string, LoadedSubscriber>;
  /** The newest tariff version stored (null before the service has stored one). */
  readonly tariffVersion: number | null;
  /** The newest closed accounting period (null: none closed). */
  readonly closedThrough: string | null;
}

interface SliceRow {
  tariff_version: number | null;
  closed_through: string | null;
  /** [msisdn, its stream's version, written by a later transaction than this one] per stream with events. */
  versions: [string, number, boolean][] | null;
  /** [msisdn, purchase id, bolt-on, units, units left, price, purchased at (epoch ms), expires at (epoch ms)]. */
  holdings: [string, string, string, number, number, number, number, number | null][] | null;
}

/**
 * Loads what rating needs of each subscriber: the stream's version from the event store's heads, and the
 * bolt-ons with units left from their read model (written in the same transactions as the events);
 * in the same statement, the tariff version in force and the newest closed period, so that each is
 * read afresh in every transaction (several instances write at once) for no extra round trip.
 */
@Injectable()
export class SubscriberStateRepository {
  async load(client: PoolClient, msisdns: readonly string[]): Promise<LoadedSlice> {
    const subscribers = new Map<string, LoadedSubscriber>();
    const result = await client.query<SliceRow>({
      name: 'slice-state',
      // One head row per stream (event_streams): the cost grows neither with history nor with partitions.
      // Rows come back as JSON arrays: one value to parse instead of a row object per stream and holding.
      text: `SELECT (SELECT max(version) FROM tariff_versions) AS tariff_version,
                    (SELECT max(period) FROM finance_periods) AS closed_through,
                    (SELECT json_agg(json_build_array(s.msisdn, h.version, h.transaction_id > pg_current_xact_id()))
                     FROM unnest($1::text[]) AS s(msisdn)
                     JOIN event_streams h ON h.stream_id = $2::text || s.msisdn) AS versions,
                    (SELECT json_agg(json_build_array(msisdn, purchase_id, bolt_on, units, units_remaining, price_pence,
                                                      floor(extract(epoch FROM purchased_at) * 1000)::bigint,
                                                      floor(extract(epoch FROM expires_at) * 1000)::bigint)
                                     ORDER BY purchased_at, purchase_id)
                     FROM bolt_ons WHERE msisdn = ANY($1::text[]) AND units_remaining > 0) AS holdings`,
      // The msisdns once (pg escapes every element of an array): each stream id is the prefix and the msisdn.
      values: [msisdns, STREAM_PREFIX],
    });
    const row = result.rows[0];
    // The feed reads in transaction id order (docs/FEED.md): a stream's next event must come from a later transaction.
    const ahead = row.versions?.find(([, , isAhead]) => isAhead);
    if (ahead) throw new ConcurrencyError(`transaction order of ${streamOf(ahead[0])}`);
    const versionBySubscriber = new Map((row.versions ?? []).map(([msisdn, version]) => [msisdn, version]));
    const holdingsBySubscriber = new Map<string, BoltOnHolding[]>();
    for (const [
      msisdn,
      purchaseId,
      boltOn,
      units,
      unitsRemaining,
      pricePence,
      purchasedAt,
      expiresAt,
    ] of row.holdings ?? []) {
      const list = holdingsBySubscriber.get(msisdn) ?? [];
      list.push({
        purchaseId,
        boltOn,
        units,
        unitsRemaining,
        pricePence,
        purchasedAt: formatInstant(purchasedAt),
        expiresAt: expiresAt === null ? null : formatInstant(expiresAt),
      });
      holdingsBySubscriber.set(msisdn, list);
    }
    for (const msisdn of msisdns) {
      const boltOns = holdingsBySubscriber.get(msisdn);
      subscribers.set(msisdn, {
        state: boltOns ? { msisdn, boltOns } : initialSubscriberState(msisdn),
        version: versionBySubscriber.get(msisdn) ?? 0,
      });
    }
    return { subscribers, tariffVersion: row.tariff_version, closedThrough: row.closed_through };
  }
}
