import { Injectable } from '@nestjs/common';
import { streamOf } from '@ledger/contracts';
import { ConcurrencyError } from '@ledger/event-store';
import { initialSubscriberState, type BoltOnHolding, type SubscriberState } from '@ledger/rating';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import { holdingOf, holdingsWithUnitsLeft } from '@ledger/app/bolt-ons/read-model/bolt-on-queries.js';

export interface LoadedSubscriber {
  state: SubscriberState;
  version: number;
}

/**
 * Loads what rating needs of each subscriber: the stream's version from the event store's heads, and the
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
      // One head row per stream (event_streams): the cost grows neither with history nor with partitions.
      text: `SELECT stream_id, version, transaction_id > pg_current_xact_id() AS ahead
             FROM event_streams WHERE stream_id = ANY($1::text[])`,
      values: [msisdns.map(streamOf)],
    });
    // The feed reads in transaction id order (docs/FEED.md): a stream's next event must come from a later transaction.
    const ahead = versions.rows.find((row) => row.ahead);
    if (ahead) throw new ConcurrencyError(`transaction order of ${ahead.stream_id}`);
    const versionByStream = new Map(versions.rows.map((row) => [row.stream_id, row.version]));
    const holdingsBySubscriber = new Map<string, BoltOnHolding[]>();
    for (const row of await holdingsWithUnitsLeft(client, msisdns)) {
      const list = holdingsBySubscriber.get(row.msisdn) ?? [];
      list.push(holdingOf(row));
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
