import pg from 'pg';
import { Progress } from './progress.js';

export interface PrefillResult {
  readonly events: number;
  readonly seconds: number;
  /** The highest global position the prefill wrote: the drain's own events come after it. */
  readonly lastPosition: number;
  /** events and charges with their indexes, after VACUUM ANALYZE. */
  readonly storeMiB: number;
}

/** Rows a statement: big enough to be quick, small enough that progress shows. */
const CHUNK = 500_000;

/**
 * Fills a migrated ledger database with `events` rated messages of the bench's subscribers (their
 * streams, so the drain appends behind real histories) and their `charges` rows, generated in SQL
 * (INSERT … SELECT generate_series: nothing crosses the wire). The unique indexes that take random keys
 * are dropped for the fill and built again afterwards under their own names (a bulk build is far
 * quicker than as many random inserts), then the tables are vacuumed and analysed, as a store that has
 * lived would be. The history is dated March 2003, before the bench's traffic.
 */
export async function prefillStore(url: string, events: number, subscribers: number): Promise<PrefillResult> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-prefill' });
  await client.connect();
  const bar = new Progress(`prefill the store with ${events}`, events);
  const started = performance.now();
  try {
    // This session only: index builds sort in memory rather than on disk.
    await client.query("SET maintenance_work_mem = '512MB'");
    await client.query('ALTER TABLE events DROP CONSTRAINT events_stream_version_key');
    await client.query('ALTER TABLE events DROP CONSTRAINT events_idempotency_key_key');
    await client.query('DROP INDEX charges_by_sender');
    for (let from = 1; from <= events; from += CHUNK) {
      const to = Math.min(events, from + CHUNK - 1);
      await client.query(
        `WITH g AS (
           SELECT n, '4477' || lpad((n % $3)::text, 8, '0') AS msisdn, (n / $3 + 1)::int AS version,
                  'PRE-' || lpad(n::text, 10, '0') AS message_id,
                  timestamptz '2003-03-01T00:00:00Z' + n * interval '100 milliseconds' AS sent_at
           FROM generate_series($1::bigint, $2::bigint) AS n
         ), e AS (
           INSERT INTO events (global_position, stream_id, stream_version, event_type, idempotency_key, data, recorded_at)
           SELECT n, 'subscriber-' || msisdn, version, 'MessageCharged', 'message:' || message_id,
                  json_build_object('message', json_build_object(
                      'messageId', message_id, 'kind', 'SMS',
                      'sentAt', to_char(sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                      'sender', json_build_object('msisdn', msisdn, 'network', 'O2-UK'),
                      'recipient', json_build_object('msisdn', '4478' || lpad((n % 99999989)::text, 8, '0'), 'network', 'VODAFONE-UK'),
                      'roamingCountry', null, 'mms', null),
                    'units', 0, 'pence', 10, 'allocations', json_build_array()),
                  sent_at
           FROM g
         )
         INSERT INTO charges (message_id, sender_msisdn, kind, sent_at, status, units, pence, partner_network, global_position)
         SELECT message_id, msisdn, 'SMS', sent_at, 'CHARGED', 0, 10, 'VODAFONE-UK', n FROM g`,
        [from, to, subscribers],
      );
      bar.update(to);
    }
    await client.query("SELECT setval('events_global_position_seq', greatest($1::bigint, 1))", [events]);
    await client.query(
      'ALTER TABLE events ADD CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)',
    );
    await client.query('ALTER TABLE events ADD CONSTRAINT events_idempotency_key_key UNIQUE (idempotency_key)');
    await client.query('CREATE INDEX charges_by_sender ON charges (sender_msisdn, sent_at, message_id)');
    // The pre-filled history counts as already on the feed, so the timed drain publishes only its own messages.
    await client.query(
      `UPDATE rated_feed_position p SET transaction_id = last.transaction_id, global_position = last.global_position
       FROM (SELECT transaction_id, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1) last`,
    );
    await client.query('VACUUM ANALYZE events');
    await client.query('VACUUM ANALYZE charges');
    const size = await client.query<{ bytes: string }>(
      "SELECT (pg_total_relation_size('events') + pg_total_relation_size('charges'))::text AS bytes",
    );
    return {
      events,
      seconds: (performance.now() - started) / 1000,
      lastPosition: events,
      storeMiB: Number(size.rows[0].bytes) / 2 ** 20,
    };
  } finally {
    bar.stop();
    await client.end();
  }
}
