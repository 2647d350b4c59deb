import { Injectable } from '@nestjs/common';
import { streamOf, type LedgerEvent } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';

export interface SubscriberStream {
  msisdn: string;
  /** The version of the stream's last event. */
  version: number;
  events: LedgerEvent[];
}

/** Whole subscriber streams, for deciding their messages again. */
@Injectable()
export class SubscriberStreamsRepository {
  /** Every subscriber with a message sent at or after `from`, in msisdn order. */
  async affected(client: PoolClient, from: string): Promise<string[]> {
    const result = await client.query<{ msisdn: string }>(
      'SELECT DISTINCT sender_msisdn AS msisdn FROM charges WHERE sent_at >= $1 ORDER BY 1',
      [from],
    );
    return result.rows.map((row) => row.msisdn);
  }

  async read(client: PoolClient, msisdns: readonly string[]): Promise<SubscriberStream[]> {
    const result = await client.query<{ stream_id: string; stream_version: number; event_type: string; data: unknown }>(
      {
        name: 'rerating-read-streams',
        text: `SELECT stream_id, stream_version, event_type, data FROM events
               WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version`,
        values: [msisdns.map(streamOf)],
      },
    );
    const streams = new Map(
      msisdns.map((msisdn) => [streamOf(msisdn), { msisdn, version: 0, events: [] as LedgerEvent[] }]),
    );
    for (const row of result.rows) {
      const stream = streams.get(row.stream_id)!;
      stream.events.push({ type: row.event_type, data: row.data } as LedgerEvent);
      stream.version = row.stream_version;
    }
    return [...streams.values()];
  }
}
