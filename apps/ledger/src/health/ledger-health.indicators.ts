import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import {
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { Kafka, logLevel, type Admin } from '@ledger/app/platform/kafka/kafka.js';
import { DeadLetterRelay } from '@ledger/app/ingest/infrastructure/dead-letter-relay.service.js';
import { DeadLettersRepository } from '@ledger/app/ingest/infrastructure/dead-letters.repository.js';
import { LedgerConsumer } from '@ledger/app/ingest/infrastructure/ledger-consumer.service.js';
import { OffsetGapsRepository } from '@ledger/app/ingest/infrastructure/offset-gaps.repository.js';
import { PartitionWatch } from '@ledger/app/ingest/infrastructure/partition-watch.service.js';

/** Replaces the probe's own broker client (tests). */
export const HEALTH_BROKER_ADMIN = Symbol('HEALTH_BROKER_ADMIN');

/** A probe must answer quickly: a dependency slower than this counts as down. */
const PROBE_TIMEOUT_MS = 3_000;
/** Probes may come often; the broker is asked at most this often. */
const BROKER_CACHE_MS = 1_000;

/**
 * What /health, /health/ready and /health/live are made of: the database answers, the broker
 * answers, the consumer has joined its group and has not crashed, no partition is stalled or held
 * at an offset gap, dead letters reach their topic, and (when HEALTH_MAX_LAG is set) the backlog
 * on the input topics stays under the bound.
 */
@Injectable()
export class LedgerHealthIndicators implements OnApplicationShutdown {
  /**
   * A client of its own that fails fast and quietly: the service's clients retry for minutes by
   * design, and a probe must not wait for them nor log each refused connection.
   */
  private readonly admin: Admin;
  private adminConnected: Promise<void> | null = null;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly consumer: LedgerConsumer,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly watch: PartitionWatch,
    private readonly gaps: OffsetGapsRepository,
    private readonly deadLetters: DeadLettersRepository,
    private readonly relay: DeadLetterRelay,
    @Optional() @Inject(HEALTH_BROKER_ADMIN) admin?: Admin,
  ) {
    this.admin =
      admin ??
      new Kafka({
        clientId: 'message-ledger-health',
        brokers: config.kafka.brokers,
        connectionTimeout: PROBE_TIMEOUT_MS,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      }).admin();
  }

  /**
   * docs/CONTRACT.md section 5's /health: consuming, with the database and the broker answering;
   * and (section 2.3) never healthy while a partition is stuck or dead letters cannot get out.
   */
  consuming(): HealthIndicatorFunction[] {
    return [
      () => this.database(),
      () => this.broker(),
      () => this.consumerRunning(),
      () => this.partitions(),
      () => this.offsetGaps(),
      () => this.deadLetterRelay(),
    ];
  }

  /** /health/ready: as /health, and the backlog under HEALTH_MAX_LAG when it is set. */
  ready(): HealthIndicatorFunction[] {
    return this.config.healthMaxLag > 0
      ? [...this.consuming(), () => this.lag(this.config.healthMaxLag)]
      : this.consuming();
  }

  /** /health/live: the process is up and answering, whatever its dependencies say. */
  live(): HealthCheckResult {
    const up = this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) });
    return { status: 'ok', info: up, error: {}, details: up };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }

  database(): PromiseLike<HealthIndicatorResult<'database'>> {
    return this.indicators
      .check('database')
      .attempt(async () => {
        await this.pool.query('SELECT 1');
      })
      .withTimeout(PROBE_TIMEOUT_MS);
  }

  broker(): PromiseLike<HealthIndicatorResult<'broker'>> {
    return this.indicators
      .check('broker')
      .attempt(async () => {
        const cluster = await this.describeCluster();
        return { brokers: cluster.brokers.length, controller: cluster.controller };
      })
      .withTimeout(PROBE_TIMEOUT_MS)
      .cacheFor(BROKER_CACHE_MS);
  }

  consumerRunning(): HealthIndicatorResult<'consumer'> {
    const consumer = this.indicators.check('consumer');
    const group = this.config.kafka.groupId;
    return this.consumer.consuming
      ? consumer.up({ group })
      : consumer.down({
          group,
          message: this.consumer.crashReason
            ? `not consuming: the consumer crashed for good: ${this.consumer.crashReason}`
            : 'not consuming: the consumer has not joined its group yet',
        });
  }

  /** Down while a partition has lag and its recorded offset has not moved for HEALTH_STALLED_PARTITION_SECONDS. */
  partitions(): HealthIndicatorResult<'partitions'> {
    const check = this.indicators.check('partitions');
    const { partitions, readError } = this.watch.stalled;
    const bound = this.config.healthStalledPartitionSeconds;
    if (partitions.length === 0) return check.up({ stalledAfterSeconds: bound, ...(readError ? { readError } : {}) });
    return check.down({
      stalledAfterSeconds: bound,
      stalled: partitions,
      message: partitions
        .map(
          (stalled) =>
            `${stalled.topic}[${stalled.partition}] has lag ${stalled.lag} and has not advanced for ` +
            `${stalled.notAdvancedForSeconds} s: ${stalled.why}`,
        )
        .join('; '),
    });
  }

  /** Down while an offset gap waits for an operator's acknowledgement. */
  async offsetGaps(): Promise<HealthIndicatorResult<'offsetGaps'>> {
    const check = this.indicators.check('offsetGaps');
    const gaps = await this.gaps.openGaps(this.pool);
    if (gaps.length === 0) return check.up();
    return check.down({
      gaps,
      message: gaps
        .map(
          (gap) =>
            `${gap.topic}[${gap.partition}]: recorded up to ${gap.expectedOffset}, the partition now starts at ` +
            `${gap.foundOffset} (${gap.kind}); held until acknowledged: npm run ledger -- ack-offset-gap ${gap.topic} ${gap.partition}`,
        )
        .join('; '),
    });
  }

  /** Down while dead letters have waited longer than HEALTH_DEAD_LETTER_RELAY_SECONDS for their topic. */
  async deadLetterRelay(): Promise<HealthIndicatorResult<'deadLetters'>> {
    const check = this.indicators.check('deadLetters');
    const { pending, oldestAt } = await this.deadLetters.backlog(this.pool);
    const bound = this.config.healthDeadLetterRelaySeconds;
    const waitedSeconds = oldestAt ? Math.round((Date.now() - oldestAt.getTime()) / 1000) : 0;
    if (pending === 0 || waitedSeconds <= bound) return check.up({ pending, boundSeconds: bound });
    const { lastError, brokers, leading } = this.relay.state;
    const why = leading
      ? (lastError ?? 'a send to the broker has not completed')
      : 'this instance does not run the relay; see the one that does';
    return check.down({
      pending,
      waitedSeconds,
      boundSeconds: bound,
      message: `${pending} dead letters pending for ${waitedSeconds} s: they have not reached ${brokers.join(',')}: ${why}`,
    });
  }

  async lag(bound: number): Promise<HealthIndicatorResult<'lag'>> {
    const lag = this.indicators.check('lag');
    let records = 0;
    try {
      for (const position of await this.consumer.positions()) records += Number(position.lag);
    } catch (error) {
      return lag.down({ bound, message: `could not read the positions: ${(error as Error).message}` });
    }
    return records > bound ? lag.down({ records, bound }) : lag.up({ records, bound });
  }

  private async describeCluster(): ReturnType<Admin['describeCluster']> {
    this.adminConnected ??= this.admin.connect();
    try {
      await this.adminConnected;
      return await this.admin.describeCluster();
    } catch (error) {
      // Connect afresh next time: after a broker restart the old connection is of no use.
      this.adminConnected = null;
      await this.admin.disconnect().catch(() => undefined);
      throw error;
    }
  }
}
