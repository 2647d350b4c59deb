import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { LedgerMetrics } from '@ledger/app/platform/observability/ledger-metrics.js';
import { LedgerConsumer, type PartitionPosition } from './ledger-consumer.service.js';

export interface StalledPartition {
  topic: string;
  partition: number;
  nextOffset: string;
  highWatermark: string;
  lag: string;
  notAdvancedForSeconds: number;
  why: string;
}

interface Watched {
  nextOffset: string;
  since: number;
}

/**
 * Watches every input partition: one that has lag and whose recorded offset has not moved for
 * HEALTH_STALLED_PARTITION_SECONDS is stalled, and /health says which and why. It also lets go of
 * partitions whose offset gap an operator acknowledged.
 */
@Injectable()
export class PartitionWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionWatch.name);
  private readonly watched = new Map<string, Watched>();
  private stalledNow: StalledPartition[] = [];
  private lastReadError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly consumer: LedgerConsumer,
    private readonly metrics: LedgerMetrics,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  /** The partitions stalled at the last look, and why the positions could not be read, if they could not. */
  get stalled(): { partitions: readonly StalledPartition[]; readError: string | null } {
    return { partitions: this.stalledNow, readError: this.lastReadError };
  }

  onApplicationBootstrap(): void {
    // Often enough that a stall shows within a fraction of its bound, never more than once a second.
    const every = Math.max(1_000, Math.min(5_000, (this.config.healthStalledPartitionSeconds * 1000) / 3));
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = null));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }

  private async tick(): Promise<void> {
    try {
      await this.consumer.releaseAcknowledgedGaps();
      this.observe(await this.consumer.positions(), Date.now());
      this.lastReadError = null;
    } catch (error) {
      this.lastReadError = (error as Error).message;
      this.logger.warn(`could not watch the partitions: ${this.lastReadError}`);
    }
  }

  private observe(positions: readonly PartitionPosition[], now: number): void {
    const bound = this.config.healthStalledPartitionSeconds * 1000;
    const stalled: StalledPartition[] = [];
    for (const position of positions) {
      const key = `${position.topic}[${position.partition}]`;
      const seen = this.watched.get(key);
      if (!seen || seen.nextOffset !== position.nextOffset || position.lag === '0') {
        this.watched.set(key, { nextOffset: position.nextOffset, since: now });
      }
      const since = this.watched.get(key)!.since;
      const isStalled = position.lag !== '0' && now - since > bound;
      this.metrics.partitionStalledIs(position.topic, position.partition, isStalled);
      if (!isStalled) continue;
      stalled.push({
        topic: position.topic,
        partition: position.partition,
        nextOffset: position.nextOffset,
        highWatermark: position.highWatermark,
        lag: position.lag,
        notAdvancedForSeconds: Math.round((now - since) / 1000),
        why: this.why(position),
      });
    }
    this.stalledNow = stalled;
  }

  private why(position: PartitionPosition): string {
    if (position.gap) return `held at an offset gap (${position.gap.kind}) until acknowledged`;
    const failure = this.consumer.failureOf(position.topic, position.partition);
    if (failure) return `its slice keeps failing: ${failure.message}`;
    if (!this.consumer.consuming) return 'the consumer is not consuming';
    return 'no failure seen by this instance: another instance may own the partition, or none does';
  }
}
