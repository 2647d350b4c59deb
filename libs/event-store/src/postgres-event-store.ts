import type { PoolClient, QueryResult } from 'pg';
import { ConcurrencyError, type NewEvent, type StoredEvent } from './stored-event.js';

const UNIQUE_VIOLATION = '23505';
const APPEND_CONSTRAINTS = new Set(['events_stream_version_key', 'events_idempotency_key_key']);

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
 * An append-only event store in one Postgres table. Every append carries the stream version
 * it expects to write; the unique (stream_id, stream_version) and idempotency_key constraints
 * turn a lost race into a ConcurrencyError instead of a double write.
 */
export class PostgresEventStore {
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

  /** The events already recorded under these idempotency keys. */
  async findByIdempotencyKeys(client: PoolClient, keys: readonly string[]): Promise<Map<string, StoredEvent>> {
    const found = new Map<string, StoredEvent>();
    if (keys.length === 0) return found;
    const result: QueryResult<EventRow> = await client.query({
      name: 'event-store-find-keys',
      text: 'SELECT * FROM events WHERE idempotency_key = ANY($1::text[])',
      values: [keys],
    });
    for (const row of result.rows) found.set(row.idempotency_key, toStoredEvent(row));
    return found;
  }

  /** Reads the whole log in global order, from a position (exclusive), a page at a time. */
  async readAll(client: PoolClient, afterPosition: bigint, limit: number): Promise<StoredEvent[]> {
    const result: QueryResult<EventRow> = await client.query({
      name: 'event-store-read-all',
      text: 'SELECT * FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2',
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
  if (isUniqueViolation(error) && error.constraint && APPEND_CONSTRAINTS.has(error.constraint)) {
    return new ConcurrencyError(error.constraint);
  }
  return error;
}

export function isUniqueViolation(error: unknown): error is { code: string; constraint?: string } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}
