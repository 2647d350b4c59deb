import pg from 'pg';
import { Progress } from './progress.js';

export interface PrefillResult {
  readonly events: number;
  readonly seconds: number;
  /** The highest global position the prefill wrote: the drain's own events come after it. */
  readonly lastPosition: number;
  /** events (its partitions, keys and heads) and charges with their indexes, after VACUUM ANALYZE. */
  readonly storeMiB: number;
}

/** Rows a statement: big enough to be quick, small enough that progress shows. */
const CHUNK = 500_000;

/**
 * Fills a migrated ledger database with `events` rated messages of the bench's subscribers (their
 * streams, so the drain appends behind real histories) and their `charges` rows, generated in SQL
 * (INSERT … SELECT generate_series: nothing crosses the wire). The unique indexes that take random keys
 * (a stream's versions, the idempotency keys in `event_keys`) are dropped for the fill and built again
 * afterwards under their own names (a bulk build is far quicker than as many random inserts); the
 * append trigger is off meanwhile, the fill writing the keys itself and each stream's head once at the
 * end. Then the tables are vacuumed and analysed, as a store that has lived would be, and a checkpoint
 * writes the fill out before the drain. The history is dated March 2003, before the bench's traffic: it
 * lands in the history partition.
 */
export async function prefillStore(url: string, events: number, subscribers: number): Promise<PrefillResult> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-prefill' });
  await client.connect();
  const bar = new Progress(`prefill the store with ${events}`, events);
  const started = performance.now();
  try {
    // This session only: index builds sort in memory rather than on disk.
    await client.query("SET maintenance_work_mem = '512MB'");
    // March 2003 lies in the history partition (every instant before the month after the store was partitioned).
    const history = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname LIKE 'events\\_before\\_%'`,
    );
    const partition = history.rows[0].name;
    await client.query(`ALTER TABLE ${partition} DROP CONSTRAINT events_stream_version_key`);
    await client.query('ALTER TABLE event_keys DROP CONSTRAINT event_keys_pkey');
    // The fill writes the keys itself and the heads once at the end, instead of the append trigger's work per chunk.
    await client.query('ALTER TABLE events DISABLE TRIGGER events_keep_keys_and_heads');
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
         ), k AS (
           INSERT INTO event_keys (idempotency_key, global_position, recorded_at)
           SELECT 'message:' || message_id, n, sent_at FROM g
         )
         INSERT INTO charges (message_id, sender_msisdn, kind, sent_at, status, units, pence, partner_network, global_position)
         SELECT message_id, msisdn, 'SMS', sent_at, 'CHARGED', 0, 10, 'VODAFONE-UK', n FROM g`,
        [from, to, subscribers],
      );
      bar.update(to);
    }
    await client.query("SELECT setval('events_global_position_seq', greatest($1::bigint, 1))", [events]);
    await client.query(
      `ALTER TABLE ${partition} ADD CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)`,
    );
    await client.query('ALTER TABLE event_keys ADD CONSTRAINT event_keys_pkey PRIMARY KEY (idempotency_key)');
    await client.query(
      `INSERT INTO event_streams (stream_id, version, transaction_id)
       SELECT stream_id, max(stream_version), max(transaction_id) FROM events GROUP BY stream_id
       ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, transaction_id = excluded.transaction_id`,
    );
    await client.query('ALTER TABLE events ENABLE TRIGGER events_keep_keys_and_heads');
    await client.query('CREATE INDEX charges_by_sender ON charges (sender_msisdn, sent_at, message_id)');
    // The pre-filled history counts as already on the feed, so the timed drain publishes only its own messages.
    await client.query(
      `UPDATE rated_feed_position p SET transaction_id = last.transaction_id, global_position = last.global_position
       FROM (SELECT transaction_id, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1) last`,
    );
    await client.query(`VACUUM ANALYZE ${partition}, events, event_keys, event_streams, charges`);
    // The fill left gigabytes for the checkpointer and the kernel to write out over the next minutes:
    // written now, they are not charged to the drain timed next (a store that grew over months has no
    // such debt; in one run the drain behind it ran at 0.63 of the empty store's with the disk busy).
    await client.query('CHECKPOINT');
    // A partitioned table's own size is zero: its partitions hold the rows.
    const size = await client.query<{ bytes: string }>(
      `SELECT (sum(pg_total_relation_size(c.oid)) + pg_total_relation_size('charges')
               + pg_total_relation_size('event_streams'))::bigint::text AS bytes
         FROM pg_class c WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent IN ('events'::regclass, 'event_keys'::regclass))`,
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
