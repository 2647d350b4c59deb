import type pg from 'pg';
import { RatedFeedRepository } from '@ledger/app/rated-feed/read-model/rated-feed.repository.js';
import { sleep } from './service-process.js';

/**
 * How many rated messages wait to be published on ledger.message-rated.v1: the feed reads the event
 * store, so this is the ledger's own backlog query (message events past the relay's recorded checkpoint).
 */
export async function feedDepth(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    return (await new RatedFeedRepository().backlog(client)).depth;
  } finally {
    client.release();
  }
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
