import type pg from 'pg';
import { sleep } from './service-process.js';

/**
 * How many rated messages wait to be published on ledger.message-rated.v1. On main the feed is the
 * transactional outbox (a row per rated message, deleted once the relay has published it); should the
 * feed come to read the event store instead, this is the one function to change: the feed's position
 * against the store's.
 */
export async function feedDepth(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ depth: string }>('SELECT count(*)::text AS depth FROM outbox');
  return Number(result.rows[0].depth);
}

export interface FeedCatchUp {
  /** Rated messages not yet published when the drain reached zero lag. */
  readonly depthAtZeroLag: number;
  /** From zero lag to an empty feed; Infinity when it did not empty within the bound. */
  readonly secondsToEmpty: number;
}

/** Polls the feed's depth from zero lag until it is empty (or the bound passes). */
export async function waitForFeed(pool: pg.Pool, boundSeconds = 60): Promise<FeedCatchUp> {
  const started = performance.now();
  const depthAtZeroLag = await feedDepth(pool);
  let depth = depthAtZeroLag;
  while (depth > 0) {
    if (performance.now() - started > boundSeconds * 1000) return { depthAtZeroLag, secondsToEmpty: Infinity };
    await sleep(20);
    depth = await feedDepth(pool);
  }
  return { depthAtZeroLag, secondsToEmpty: (performance.now() - started) / 1000 };
}
