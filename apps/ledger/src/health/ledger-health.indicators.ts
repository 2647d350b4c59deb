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
import { LedgerConsumer } from '@ledger/app/ingest/infrastructure/ledger-consumer.service.js';

/** Replaces the probe's own broker client (tests). */
export const HEALTH_BROKER_ADMIN = Symbol('HEALTH_BROKER_ADMIN');

/** A probe must answer quickly: a dependency slower than this counts as down. */
const PROBE_TIMEOUT_MS = 3_000;
/** Probes may come often; the broker is asked at most this often. */
const BROKER_CACHE_MS = 1_000;

/**
 * What /health, /health/ready and /health/live are made of: the database answers, the broker
 * answers, the consumer has joined its group and has not crashed, and (when HEALTH_MAX_LAG is
 * set) the backlog on the input topics stays under the bound.
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

  /** docs/CONTRACT.md section 5's /health: consuming, with the database and the broker answering. */
  consuming(): HealthIndicatorFunction[] {
    return [() => this.database(), () => this.broker(), () => this.consumerRunning()];
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
      : consumer.down({ group, message: 'not consuming: the consumer has not joined its group yet, or has crashed' });
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
