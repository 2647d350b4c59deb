import type pg from 'pg';
import { RatedFeedRepository } from '@ledger/app/rated-feed/read-model/rated-feed.repository.js';
import { sleep } from './service-process.js';

/**
 * How many rated messages wait to be published on ledger.message-rated.v1: the feed reads the event
 * store, so this is the ledger's own backlog query (message events past the relay's recorded checkpoint).
 */
export async function feedDepth(pool: pg.Pool): Promise<number> {
  return (await new RatedFeedRepository().readBacklog(pool)).depth;
}

export interface FeedCatchUp {
  /** Rated messages not yet published when the drain reached zero lag. */
  readonly depthAtZeroLag: number;
  /** From zero lag to an empty feed; Infinity when it did not empty within the bound. */
  readonly secondsToEmpty: number;
}

/**
 * Polls the feed's depth from zero lag until it is empty (or the bound passes). A reading counts at the
 * moment it was asked for (its snapshot's), not when the count came back: a count over a large backlog
 * takes a while, and the feed was empty when the reading that found it empty began.
 */
export async function waitForFeed(pool: pg.Pool, boundSeconds = 60): Promise<FeedCatchUp> {
  const started = performance.now();
  const depthAtZeroLag = await feedDepth(pool);
  let depth = depthAtZeroLag;
  let asked = started;
  while (depth > 0) {
    if (performance.now() - started > boundSeconds * 1000) return { depthAtZeroLag, secondsToEmpty: Infinity };
    await sleep(20);
    asked = performance.now();
    depth = await feedDepth(pool);
  }
  return { depthAtZeroLag, secondsToEmpty: (asked - started) / 1000 };
}
