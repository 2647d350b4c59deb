import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { DeadLettersRepository } from '@ledger/app/ingest/infrastructure/dead-letters.repository.js';
import { LedgerConsumer } from '@ledger/app/ingest/infrastructure/ledger-consumer.service.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';

/**
 * Gauges read at scrape time rather than kept up to date on the hot path: consumer lag per
 * partition (Postgres' recorded offsets against Kafka's high watermarks, as GET /v1/ingest) and
 * the event store's last global position. A source that does not answer leaves its gauge empty
 * for that scrape, rather than stale, and never fails the scrape.
 */
@Injectable()
export class LedgerStateGauges {
  private readonly logger = new Logger(LedgerStateGauges.name);
  private readonly consumerLag: Gauge<'topic' | 'partition'>;
  private readonly projectionPosition: Gauge;
  private readonly deadLettersPending: Gauge;

  constructor(
    metrics: LedgerMetrics,
    private readonly consumer: LedgerConsumer,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly deadLetters: DeadLettersRepository,
  ) {
    this.consumerLag = new Gauge({
      name: 'ledger_consumer_lag',
      help: 'Records on an input partition not yet recorded by the ledger (high watermark less recorded next offset)',
      labelNames: ['topic', 'partition'] as const,
      registers: [metrics.registry],
      collect: () => this.refreshConsumerLag(),
    });
    this.projectionPosition = new Gauge({
      name: 'ledger_projection_position',
      help: 'Global position of the last event in the event store; the read models are projected in the same transaction',
      registers: [metrics.registry],
      collect: () => this.refreshProjectionPosition(),
    });
    this.deadLettersPending = new Gauge({
      name: 'ledger_dead_letters_pending',
      help: 'Dead letters recorded with their rejection and not yet published to their <topic>.dlq',
      registers: [metrics.registry],
      collect: () => this.refreshDeadLettersPending(),
    });
  }

  private async refreshDeadLettersPending(): Promise<void> {
    this.deadLettersPending.reset();
    const backlog = await this.read('dead letters pending', () => this.deadLetters.backlog(this.pool));
    if (backlog) this.deadLettersPending.set(backlog.pending);
  }

  private async refreshConsumerLag(): Promise<void> {
    this.consumerLag.reset();
    const positions = await this.read('consumer lag', () => this.consumer.positions());
    for (const { topic, partition, lag } of positions ?? []) {
      this.consumerLag.labels({ topic, partition: String(partition) }).set(Number(lag));
    }
  }

  private async refreshProjectionPosition(): Promise<void> {
    this.projectionPosition.reset();
    const result = await this.read('projection position', () =>
      this.pool.query<{ position: string | null }>('SELECT max(global_position) AS position FROM events'),
    );
    if (result) this.projectionPosition.set(Number(result.rows[0]?.position ?? 0));
  }

  private async read<T>(what: string, source: () => Promise<T>): Promise<T | null> {
    try {
      return await source();
    } catch (error) {
      this.logger.warn(`metrics: could not read the ${what}: ${(error as Error).message}`);
      return null;
    }
  }
}
