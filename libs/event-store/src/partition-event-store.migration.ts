import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENT_KEY_PARTITIONS, MONTHS_AHEAD } from './event-partitions.js';

/** A trigger that refuses TRUNCATE of one table: a partition's TRUNCATE fires only its own statement triggers. */
const refuseTruncate = (trigger: string, table: string): string =>
  `CREATE TRIGGER ${trigger} BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`;

/** A trigger that refuses UPDATE and DELETE of a table's rows. */
const refuseChanges = (trigger: string, table: string): string =>
  `CREATE TRIGGER ${trigger} BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION events_append_only()`;

/**
 * The event log becomes a table partitioned by month of `recorded_at` (UTC), so that old months can be
 * archived and dropped (docs/PARTITIONS.md). What a unique index over one table did is kept exact
 * across partitions by two tables the append fills in the same statement (a trigger on `events`):
 * - `event_keys`: every idempotency key ever appended, hash-partitioned by key. It is never archived,
 *   so a key stays taken after its month is archived.
 * - `event_streams`: each stream's head (its version and the transaction that wrote it). An append
 *   moves a head only from the version before its first event, so two writers cannot both write a
 *   version, whatever partitions their events land in; rating reads versions here, one row a stream.
 *
 * The existing table becomes the first partition, the history (every instant before the month after
 * its newest event), with ATTACH: its rows are scanned (the bound, the key copy), not rewritten.
 */
export class PartitionEventStore1700000002000 implements MigrationInterface {
  name = 'PartitionEventStore1700000002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The history ends with the month of its newest event; an empty store's, with the month before this one.
    const [{ history, bound }] = (await queryRunner.query(`
      SELECT 'events_before_' || to_char(bound, 'YYYY_MM') AS history, (bound AT TIME ZONE 'UTC')::text AS bound
        FROM (SELECT coalesce(date_trunc('month', (SELECT max(recorded_at) FROM events) AT TIME ZONE 'UTC')
                                + interval '1 month',
                              date_trunc('month', now() AT TIME ZONE 'UTC')) AS bound) b`)) as {
      history: string;
      bound: string;
    }[];
    const [{ feedIndex }] = (await queryRunner.query(
      `SELECT pg_get_indexdef('events_feed_order'::regclass) AS "feedIndex"`,
    )) as { feedIndex: string }[];
    await queryRunner.query(`ALTER TABLE events RENAME TO ${history}`);
    await queryRunner.query(`ALTER INDEX events_feed_order RENAME TO ${history}_feed_order`);
    await queryRunner.query(`DROP TRIGGER events_append_only ON ${history}`);
    await queryRunner.query(`DROP TRIGGER events_refuse_truncate ON ${history}`);
    await queryRunner.query(`
      CREATE TABLE events (
        global_position bigint NOT NULL DEFAULT nextval('events_global_position_seq'),
        stream_id text NOT NULL,
        stream_version integer NOT NULL CONSTRAINT events_stream_version_check CHECK (stream_version > 0),
        event_type text NOT NULL,
        idempotency_key text NOT NULL,
        data json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()
      ) PARTITION BY RANGE (recorded_at)`);
    await queryRunner.query('ALTER SEQUENCE events_global_position_seq OWNED BY events.global_position');
    await queryRunner.query(
      `ALTER TABLE events ATTACH PARTITION ${history} FOR VALUES FROM (MINVALUE) TO ('${bound}')`,
    );
    // The old table's definition, read before the rename: Postgres adopts that index for the history partition.
    await queryRunner.query(feedIndex);
    await queryRunner.query(refuseChanges('events_append_only', 'events'));
    await queryRunner.query(refuseTruncate('events_refuse_truncate', 'events'));
    // TRUNCATE of a partition fires only that partition's statement triggers.
    await queryRunner.query(refuseTruncate('events_refuse_truncate', history));

    await queryRunner.query(`
      CREATE TABLE event_keys (
        idempotency_key text NOT NULL,
        global_position bigint NOT NULL,
        recorded_at timestamptz NOT NULL
      ) PARTITION BY HASH (idempotency_key)`);
    for (let remainder = 0; remainder < EVENT_KEY_PARTITIONS; remainder++) {
      const partition = `event_keys_${String(remainder).padStart(2, '0')}`;
      await queryRunner.query(
        `CREATE TABLE ${partition} PARTITION OF event_keys
         FOR VALUES WITH (MODULUS ${EVENT_KEY_PARTITIONS}, REMAINDER ${remainder})`,
      );
      await queryRunner.query(refuseTruncate('event_keys_refuse_truncate', partition));
    }
    await queryRunner.query(
      `INSERT INTO event_keys SELECT idempotency_key, global_position, recorded_at FROM ${history}`,
    );
    // Built after the copy: one sort per partition instead of as many random inserts.
    await queryRunner.query('ALTER TABLE event_keys ADD CONSTRAINT event_keys_pkey PRIMARY KEY (idempotency_key)');
    await queryRunner.query(`ALTER TABLE ${history} DROP CONSTRAINT events_idempotency_key_key`);
    await queryRunner.query(refuseChanges('event_keys_append_only', 'event_keys'));
    await queryRunner.query(refuseTruncate('event_keys_refuse_truncate', 'event_keys'));

    // Heads are updated in place at every append: room on the page keeps those updates HOT.
    await queryRunner.query(`
      CREATE TABLE event_streams (
        stream_id text PRIMARY KEY,
        version integer NOT NULL CHECK (version > 0),
        transaction_id xid8 NOT NULL
      ) WITH (fillfactor = 70)`);
    await queryRunner.query(`
      INSERT INTO event_streams (stream_id, version, transaction_id)
      SELECT DISTINCT ON (stream_id) stream_id, stream_version, transaction_id
        FROM ${history} ORDER BY stream_id, stream_version DESC`);
    await queryRunner.query(`
      CREATE FUNCTION event_streams_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'a stream head is never removed'; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER event_streams_refuse_delete BEFORE DELETE ON event_streams
      FOR EACH ROW EXECUTE FUNCTION event_streams_refuse_delete()`);
    await queryRunner.query(`
      CREATE TRIGGER event_streams_refuse_truncate BEFORE TRUNCATE ON event_streams
      FOR EACH STATEMENT EXECUTE FUNCTION event_streams_refuse_delete()`);

    // SECURITY DEFINER: the service role appends to events only; the keys and heads are the owner's.
    await queryRunner.query(`
      CREATE FUNCTION events_keep_keys_and_heads() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        placed boolean;
        behind text;
      BEGIN
        INSERT INTO event_keys (idempotency_key, global_position, recorded_at)
          SELECT idempotency_key, global_position, recorded_at FROM appended;
        WITH appends AS (
               SELECT stream_id, min(stream_version) - 1 AS expected, max(stream_version) AS version, count(*) AS n
                 FROM appended GROUP BY stream_id),
             moved AS (
               UPDATE event_streams h SET version = a.version, transaction_id = pg_current_xact_id()
                 FROM appends a WHERE h.stream_id = a.stream_id AND a.expected > 0 AND h.version = a.expected
                 RETURNING h.stream_id),
             started AS (
               INSERT INTO event_streams (stream_id, version, transaction_id)
               SELECT stream_id, version, pg_current_xact_id() FROM appends WHERE expected = 0
               RETURNING stream_id)
        -- Counts, not a join: the planner knows nothing of a transition table's size and would nest loops.
        SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM started) = (SELECT count(*) FROM appends)
               AND NOT EXISTS (SELECT 1 FROM appends WHERE n <> version - expected)
          INTO placed;
        IF NOT placed THEN
          -- Only on a conflict: name a stream whose head did not move to its last version here.
          SELECT a.stream_id INTO behind
            FROM (SELECT stream_id, max(stream_version) AS version FROM appended GROUP BY stream_id) a
            LEFT JOIN event_streams h ON h.stream_id = a.stream_id
           WHERE h.version IS DISTINCT FROM a.version OR h.transaction_id <> pg_current_xact_id()
           LIMIT 1;
          RAISE EXCEPTION USING ERRCODE = 'unique_violation', CONSTRAINT = 'events_stream_version_key',
            MESSAGE = format('stream %s is not at the version this append expects', coalesce(behind, '(of this append)'));
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER events_keep_keys_and_heads AFTER INSERT ON events
      REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION events_keep_keys_and_heads()`);

    // A month is created as a table of its own, then attached: ATTACH does not block appends or reads.
    await queryRunner.query(`
      CREATE FUNCTION events_create_partition(name text, from_at timestamptz, to_at timestamptz) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      BEGIN
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (global_position), '
                       'ADD CONSTRAINT %I UNIQUE (stream_id, stream_version)',
                       name, name || '_pkey', name || '_stream_version_key');
        EXECUTE format('CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()', name);
        IF from_at IS NULL THEN
          EXECUTE format('ALTER TABLE events ATTACH PARTITION %I DEFAULT', name);
        ELSE
          EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, from_at, to_at);
        END IF;
      END $$`);
    // This month and the next ones, where the history does not cover them already.
    await queryRunner.query(`
      CREATE FUNCTION events_ensure_partitions(months_ahead integer) RETURNS SETOF text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        month timestamp;
        name text;
      BEGIN
        FOR i IN 0..months_ahead LOOP
          month := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
          name := 'events_' || to_char(month, 'YYYY_MM');
          CONTINUE WHEN to_regclass(name) IS NOT NULL;
          -- A month inside another partition's range (the history) has its partition already.
          CONTINUE WHEN EXISTS (
            SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'events'::regclass AND c.relname LIKE 'events\\_before\\_%'
               AND substr(c.relname, 15) > to_char(month, 'YYYY_MM'));
          PERFORM events_create_partition(name, month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
          RETURN NEXT name;
        END LOOP;
      END $$`);
    // Anyone may ask for the months ahead (the service does at boot); only the owner names a partition.
    await queryRunner.query(
      'REVOKE EXECUTE ON FUNCTION events_create_partition(text, timestamptz, timestamptz) FROM PUBLIC',
    );
    await queryRunner.query(`SELECT events_create_partition('events_default', NULL, NULL)`);
    await queryRunner.query(`SELECT events_ensure_partitions(${MONTHS_AHEAD})`);

    // What was archived: enough to check a file before it is restored and to report it in verify.
    await queryRunner.query(`
      CREATE TABLE event_archives (
        partition_name text PRIMARY KEY,
        from_at timestamptz,
        to_at timestamptz NOT NULL,
        file text NOT NULL,
        sha256 text NOT NULL,
        events bigint NOT NULL,
        first_position bigint,
        last_position bigint,
        archived_at timestamptz NOT NULL DEFAULT now(),
        restored_at timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const partitions = (await queryRunner.query(`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`)) as { name: string }[];
    const history = partitions.find(({ name }) => name.startsWith('events_before_'));
    if (!history) throw new Error('the history partition (events_before_*) is not attached: restore it first');
    for (const { name } of partitions) {
      if (name === history.name) continue;
      const [{ n }] = (await queryRunner.query(`SELECT count(*)::int AS n FROM ${name}`)) as { n: number }[];
      if (n > 0) throw new Error(`partition ${name} holds ${n} events: a single table cannot take them back`);
    }
    await queryRunner.query('DROP TABLE event_archives');
    await queryRunner.query(`ALTER TABLE events DETACH PARTITION ${history.name}`);
    await queryRunner.query('ALTER SEQUENCE events_global_position_seq OWNED BY NONE');
    await queryRunner.query('DROP TABLE events');
    await queryRunner.query('DROP FUNCTION events_ensure_partitions(integer)');
    await queryRunner.query('DROP FUNCTION events_create_partition(text, timestamptz, timestamptz)');
    await queryRunner.query('DROP FUNCTION events_keep_keys_and_heads()');
    await queryRunner.query('DROP TABLE event_streams');
    await queryRunner.query('DROP FUNCTION event_streams_refuse_delete()');
    await queryRunner.query('DROP TABLE event_keys');
    await queryRunner.query(`ALTER TABLE ${history.name} RENAME TO events`);
    await queryRunner.query(`ALTER INDEX ${history.name}_feed_order RENAME TO events_feed_order`);
    await queryRunner.query('ALTER SEQUENCE events_global_position_seq OWNED BY events.global_position');
    await queryRunner.query('ALTER TABLE events ADD CONSTRAINT events_idempotency_key_key UNIQUE (idempotency_key)');
    await queryRunner.query('DROP TRIGGER events_refuse_truncate ON events');
    await queryRunner.query(refuseChanges('events_append_only', 'events'));
    await queryRunner.query(refuseTruncate('events_refuse_truncate', 'events'));
  }
}
