import type { PoolClient, QueryResult } from 'pg';
import { ArchivedEventError, ConcurrencyError, type NewEvent, type StoredEvent } from './stored-event.js';

const UNIQUE_VIOLATION = '23505';
const STREAM_VERSION = 'events_stream_version_key';
const IDEMPOTENCY_KEY = 'events_idempotency_key_key';

/**
 * The constraints an append can lose a race on, by the one name each kind had before the store was
 * partitioned: a partition's own (stream_id, stream_version) key, a stream head taken first, a key
 * partition of `event_keys` (PartitionEventStore1700000002000).
 */
export function appendConstraintOf(constraint: string | undefined): string | null {
  if (!constraint) return null;
  if (constraint === STREAM_VERSION || constraint === 'event_streams_pkey') return STREAM_VERSION;
  if (/^events_\w+_stream_version_key$/.test(constraint)) return STREAM_VERSION;
  if (constraint === IDEMPOTENCY_KEY || /^event_keys(_\d+)?_pkey$/.test(constraint)) return IDEMPOTENCY_KEY;
  return null;
}

interface KeyRow extends Partial<EventRow> {
  key: string;
}

interface EventRow {
  global_position: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  idempotency_key: string;
  data: unknown;
  recorded_at: Date;
}

/**
 * An append-only event store in one Postgres table partitioned by month (docs/PARTITIONS.md). Every
 * append carries the stream version it expects to write; the stream heads and the key table that the
 * append fills in the same statement turn a lost race into a ConcurrencyError instead of a double write.
 */
export class PostgresEventStore {
  /** The relation readAll reads: the live log, or a session's view of it with the archived months. */
  private log = 'events';

  /** A store whose readAll reads another relation of the same shape (read-models/archived-events.ts). */
  static readingFrom(relation: string): PostgresEventStore {
    const store = new PostgresEventStore();
    store.log = relation;
    return store;
  }

  /** Appends events in one statement, in the order given, inside the caller's transaction. */
  async append(client: PoolClient, events: readonly NewEvent[]): Promise<bigint[]> {
    if (events.length === 0) return [];
    try {
      // One JSON parameter rather than one array per column: Postgres parses it faster than pg escapes arrays.
      const result: QueryResult<{ global_position: string }> = await client.query({
        name: 'event-store-append',
        text: `INSERT INTO events (stream_id, stream_version, event_type, idempotency_key, data)
               SELECT s, v, t, k, d FROM json_to_recordset($1::json) AS r(s text, v int, t text, k text, d json)
               RETURNING global_position`,
        values: [
          JSON.stringify(
            events.map((event) => ({
              s: event.streamId,
              v: event.streamVersion,
              t: event.type,
              k: event.idempotencyKey,
              d: event.data,
            })),
          ),
        ],
      });
      return result.rows.map((row) => BigInt(row.global_position));
    } catch (error) {
      throw asConcurrencyError(error);
    }
  }

  /**
   * The events already recorded under these idempotency keys. A key whose event was archived with its
   * month stays taken: that is an ArchivedEventError, for the caller to refuse the input with.
   */
  async findByIdempotencyKeys(client: PoolClient, keys: readonly string[]): Promise<Map<string, StoredEvent>> {
    const found = new Map<string, StoredEvent>();
    if (keys.length === 0) return found;
    // The key row carries recorded_at, so each event is looked up in its own month's partition only.
    const result: QueryResult<KeyRow> = await client.query({
      name: 'event-store-find-keys',
      // Key by key (a nested loop over the array), so that each key probes its own hash partition only:
      // `= ANY` would probe every partition with every key.
      text: `SELECT k.idempotency_key AS key, e.* FROM unnest($1::text[]) AS q(key)
               JOIN event_keys k ON k.idempotency_key = q.key
               LEFT JOIN events e ON e.recorded_at = k.recorded_at AND e.global_position = k.global_position`,
      values: [keys],
    });
    for (const row of result.rows) {
      if (row.global_position === null || row.global_position === undefined) throw new ArchivedEventError(row.key);
      found.set(row.key, toStoredEvent(row as EventRow));
    }
    return found;
  }

  /** The events at these global positions (those that exist), in global order. */
  async readPositions(client: PoolClient, positions: readonly bigint[]): Promise<StoredEvent[]> {
    if (positions.length === 0) return [];
    const result: QueryResult<EventRow> = await client.query({
      text: `SELECT * FROM ${this.log} WHERE global_position = ANY($1::bigint[]) ORDER BY global_position`,
      values: [positions.map(String)],
    });
    return result.rows.map(toStoredEvent);
  }

  /** Reads the whole log in global order, from a position (exclusive), a page at a time. */
  async readAll(client: PoolClient, afterPosition: bigint, limit: number): Promise<StoredEvent[]> {
    const result: QueryResult<EventRow> = await client.query({
      name: this.log === 'events' ? 'event-store-read-all' : `event-store-read-all-${this.log}`,
      text: `SELECT * FROM ${this.log} WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
      values: [afterPosition.toString(), limit],
    });
    return result.rows.map(toStoredEvent);
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    globalPosition: BigInt(row.global_position),
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.event_type,
    idempotencyKey: row.idempotency_key,
    data: row.data,
    recordedAt: row.recorded_at,
  };
}

function asConcurrencyError(error: unknown): unknown {
  const constraint = isUniqueViolation(error) ? appendConstraintOf(error.constraint) : null;
  return constraint ? new ConcurrencyError(constraint) : error;
}

export function isUniqueViolation(error: unknown): error is { code: string; constraint?: string } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}
