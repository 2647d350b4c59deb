import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';
import { RatedFeedRepository, type FeedBacklog } from './read-model/rated-feed.repository.js';

/**
 * A backlog reading serves every gauge and scrape for this long. The reading counts every unpublished
 * message event, which costs Postgres time in proportion to the backlog (300 ms at 50,000 in a drain):
 * read once per scrape of each gauge, it took a sixth of Postgres' statement time in a drain.
 */
const READING_REUSED_MS = 5_000;

/**
 * The feed's metrics: what waits to be published and for how long (read from Postgres at scrape
 * time, at most once every READING_REUSED_MS, so every instance answers, not only the relay), and what
 * the relay sent.
 */
@Injectable()
export class RatedFeedMetrics {
  private readonly logger = new Logger(RatedFeedMetrics.name);
  private readonly published: Counter;
  private readonly references: Counter;
  private reading: { readonly at: number; readonly backlog: Promise<FeedBacklog | null> } | null = null;

  constructor(
    metrics: LedgerMetrics,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly feed: RatedFeedRepository,
  ) {
    new Gauge({
      name: 'ledger_feed_outbox_depth',
      help: 'Rated messages committed to the event store and not yet published to ledger.message-rated.v1',
      registers: [metrics.registry],
      collect: async function (this: Gauge) {
        const backlog = await read();
        if (backlog) this.set(backlog.depth);
        else this.reset();
      },
    });
    new Gauge({
      name: 'ledger_feed_outbox_oldest_age_seconds',
      help: 'Seconds since the oldest rated message not yet published was recorded; 0 when none waits',
      registers: [metrics.registry],
      collect: async function (this: Gauge) {
        const backlog = await read();
        if (backlog) this.set(backlog.oldestAgeSeconds);
        else this.reset();
      },
    });
    this.published = new Counter({
      name: 'ledger_feed_records_published_total',
      help: 'Records this instance published to ledger.message-rated.v1 in committed Kafka transactions',
      registers: [metrics.registry],
    });
    this.references = new Counter({
      name: 'ledger_feed_records_too_large_total',
      help: 'Charges larger than the topic allows, published as a reference to GET /v1/messages/{messageId}',
      registers: [metrics.registry],
    });
    const read = (): Promise<FeedBacklog | null> => this.sharedBacklog();
  }

  recordsPublished(count: number, references: number): void {
    this.published.inc(count);
    if (references > 0) this.references.inc(references);
  }

  /** The last reading while it is recent; its age moved on by the time since it was read. */
  private async sharedBacklog(): Promise<FeedBacklog | null> {
    const now = performance.now();
    if (this.reading === null || now - this.reading.at > READING_REUSED_MS) {
      this.reading = { at: now, backlog: this.backlog() };
    }
    const { at, backlog } = this.reading;
    const read = await backlog;
    if (read === null) this.reading = null;
    if (read === null || read.depth === 0) return read;
    return { ...read, oldestAgeSeconds: read.oldestAgeSeconds + (performance.now() - at) / 1000 };
  }

  /** A database that does not answer leaves the gauges empty for that scrape rather than stale. */
  private async backlog(): Promise<FeedBacklog | null> {
    try {
      return await this.feed.readBacklog(this.pool);
    } catch (error) {
      this.logger.warn(`metrics: could not read the feed's backlog: ${(error as Error).message}`);
      return null;
    }
  }
}
