import type { ClientBase, Pool } from 'pg';

/** A client or a pool: these look-ups need no transaction of their own. */
export type Queryable = ClientBase | Pool;

/** Hash partitions of `event_keys` (fixed at migration: changing it means re-partitioning the keys). */
export const EVENT_KEY_PARTITIONS = 16;
/** Months created ahead of the current one, so that an append never waits for a partition. */
export const MONTHS_AHEAD = 2;

export interface EventPartition {
  readonly name: string;
  /** Inclusive; null for the history partition (from the beginning) and the default partition. */
  readonly from: Date | null;
  /** Exclusive; null for the default partition. */
  readonly to: Date | null;
  readonly isDefault: boolean;
  readonly events: number;
  readonly bytes: number;
}

/**
 * Creates this month's partition and the next MONTHS_AHEAD ones where they are missing; returns the
 * names it created. Cheap when nothing is missing (a catalogue look-up per month, no lock on events).
 */
export async function ensureEventPartitions(client: Queryable, monthsAhead = MONTHS_AHEAD): Promise<string[]> {
  const result = await client.query<{ name: string }>('SELECT events_ensure_partitions($1) AS name', [monthsAhead]);
  return result.rows.map((row) => row.name);
}

/** The attached partitions of `events`, oldest first, the default partition last. */
export async function listEventPartitions(client: Queryable): Promise<EventPartition[]> {
  const result = await client.query<{ name: string; bound: string; bytes: string }>(`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, pg_total_relation_size(c.oid)::text AS bytes
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass`);
  const partitions: EventPartition[] = [];
  for (const row of result.rows) {
    // An exact count (reltuples is an estimate): it is what an operator decides an archive on.
    const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteName(row.name)}`);
    partitions.push({
      ...partitionBounds(row.bound),
      name: row.name,
      events: Number(count.rows[0].n),
      bytes: Number(row.bytes),
    });
  }
  return partitions.sort((a, b) => order(a) - order(b) || (a.from?.getTime() ?? 0) - (b.from?.getTime() ?? 0));
}

function order(partition: EventPartition): number {
  if (partition.isDefault) return 2;
  return partition.from === null ? 0 : 1;
}

/** Reads `FOR VALUES FROM (MINVALUE) TO ('…')`, `FOR VALUES FROM ('…') TO ('…')` or `DEFAULT`. */
export function partitionBounds(bound: string): { from: Date | null; to: Date | null; isDefault: boolean } {
  if (bound === 'DEFAULT') return { from: null, to: null, isDefault: true };
  const match = /^FOR VALUES FROM \((MINVALUE|'[^']+')\) TO \('([^']+)'\)$/.exec(bound);
  if (!match) throw new Error(`unexpected partition bound of events: ${bound}`);
  const from = match[1] === 'MINVALUE' ? null : new Date(match[1].slice(1, -1));
  return { from, to: new Date(match[2]), isDefault: false };
}

export function quoteName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a partition name: ${name}`);
  return `"${name}"`;
}
