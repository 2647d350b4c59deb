import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { loadLedgerConfig, LEDGER_CONFIG } from '@ledger/app/platform/config/ledger-config.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { HealthController } from './health.controller.js';
import { LedgerConsumer, type PartitionPosition } from '@ledger/app/ingest/infrastructure/ledger-consumer.service.js';
import { DeadLetterRelay } from '@ledger/app/ingest/infrastructure/dead-letter-relay.service.js';
import { DeadLettersRepository } from '@ledger/app/ingest/infrastructure/dead-letters.repository.js';
import { type OffsetGap, OffsetGapsRepository } from '@ledger/app/ingest/infrastructure/offset-gaps.repository.js';
import { PartitionWatch, type StalledPartition } from '@ledger/app/ingest/infrastructure/partition-watch.service.js';
import { HEALTH_BROKER_ADMIN, LedgerHealthIndicators } from './ledger-health.indicators.js';

interface World {
  databaseUp: boolean;
  brokerUp: boolean;
  consuming: boolean;
  lags: number[];
  crash?: string;
  stalled?: StalledPartition[];
  gaps?: OffsetGap[];
  deadLetters?: { pending: number; oldestAt: Date | null; lastError?: string };
}

async function healthOf(world: World, env: Record<string, string> = {}): Promise<HealthController> {
  const position = (lag: number, partition: number): PartitionPosition => ({
    topic: 'network.message-sent.v1',
    partition,
    nextOffset: '0',
    highWatermark: String(lag),
    lag: String(lag),
    gap: null,
  });
  const admin = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    describeCluster: () =>
      world.brokerUp
        ? Promise.resolve({ brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }], controller: 1, clusterId: 'test' })
        : Promise.reject(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092')),
  };
  const module = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [
      LedgerHealthIndicators,
      { provide: LEDGER_CONFIG, useValue: loadLedgerConfig(env) },
      { provide: HEALTH_BROKER_ADMIN, useValue: admin },
      {
        provide: PG_POOL,
        useValue: {
          query: () =>
            world.databaseUp ? Promise.resolve({ rows: [] }) : Promise.reject(new Error('connect ECONNREFUSED')),
        },
      },
      { provide: PartitionWatch, useValue: { stalled: { partitions: world.stalled ?? [], readError: null } } },
      { provide: OffsetGapsRepository, useValue: { openGaps: () => Promise.resolve(world.gaps ?? []) } },
      {
        provide: DeadLettersRepository,
        useValue: { backlog: () => Promise.resolve(world.deadLetters ?? { pending: 0, oldestAt: null }) },
      },
      {
        provide: DeadLetterRelay,
        useValue: {
          state: { leading: true, lastError: world.deadLetters?.lastError ?? null, brokers: ['127.0.0.1:9092'] },
        },
      },
      {
        provide: LedgerConsumer,
        useValue: {
          get consuming() {
            return world.consuming;
          },
          get crashReason() {
            return world.crash ?? null;
          },
          positions: () => Promise.resolve(world.lags.map(position)),
        },
      },
    ],
  }).compile();
  expect(module.get(HealthCheckService)).toBeInstanceOf(HealthCheckService);
  return module.get(HealthController);
}

async function unavailable(answer: Promise<unknown>): Promise<any> {
  const error = await answer.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ServiceUnavailableException);
  return (error as ServiceUnavailableException).getResponse();
}

const healthy: World = { databaseUp: true, brokerUp: true, consuming: true, lags: [0, 0] };

describe('health checks', () => {
  it('answers ok with the database, the broker and the consumer when all are up', async () => {
    const health = await healthOf(healthy);
    const result = await health.check();
    expect(result.status).toBe('ok');
    expect(result.details).toEqual({
      database: expect.objectContaining({ status: 'up' }),
      broker: expect.objectContaining({ status: 'up', brokers: 1 }),
      consumer: expect.objectContaining({ status: 'up' }),
      partitions: expect.objectContaining({ status: 'up' }),
      offsetGaps: expect.objectContaining({ status: 'up' }),
      deadLetters: expect.objectContaining({ status: 'up', pending: 0 }),
    });
  });

  it('fails with 503 and says which part is down', async () => {
    const body = await unavailable((await healthOf({ ...healthy, consuming: false })).check());
    expect(body.status).toBe('error');
    expect(body.error).toEqual({
      consumer: expect.objectContaining({ status: 'down', message: expect.stringMatching(/not consuming/) }),
    });
    expect(body.info).toEqual(expect.objectContaining({ database: expect.anything(), broker: expect.anything() }));

    const brokerDown = await unavailable((await healthOf({ ...healthy, brokerUp: false })).check());
    expect(brokerDown.error.broker).toEqual(
      expect.objectContaining({ status: 'down', message: expect.stringMatching(/ECONNREFUSED/) }),
    );

    const databaseDown = await unavailable((await healthOf({ ...healthy, databaseUp: false })).check());
    expect(Object.keys(databaseDown.error)).toEqual(['database']);
  });

  it('says why a consumer that crashed for good does not consume', async () => {
    const body = await unavailable(
      (await healthOf({ ...healthy, consuming: false, crash: 'Snappy compression not implemented' })).check(),
    );
    expect(body.error.consumer.message).toBe(
      'not consuming: the consumer crashed for good: Snappy compression not implemented',
    );
  });

  it('names a stalled partition and why, an open offset gap, and dead letters waiting past their bound', async () => {
    const stalled: StalledPartition = {
      topic: 'network.message-sent.v1',
      partition: 2,
      nextOffset: '10',
      highWatermark: '12',
      lag: '2',
      notAdvancedForSeconds: 75,
      why: 'its slice keeps failing: connection terminated',
    };
    const gap: OffsetGap = {
      topic: 'network.message-sent.v1',
      partition: 1,
      kind: 'RECORDS_DELETED',
      expectedOffset: '5',
      foundOffset: '15',
      detectedAt: '2003-04-02T10:15:00Z',
      acknowledgedAt: null,
      acknowledgedBy: null,
    };
    const deadLetters = { pending: 3, oldestAt: new Date(Date.now() - 120_000), lastError: 'ECONNREFUSED' };
    const body = await unavailable(
      (await healthOf({ ...healthy, stalled: [stalled], gaps: [gap], deadLetters })).check(),
    );
    expect(Object.keys(body.error)).toEqual(['partitions', 'offsetGaps', 'deadLetters']);
    expect(body.error.partitions.message).toBe(
      'network.message-sent.v1[2] has lag 2 and has not advanced for 75 s: its slice keeps failing: connection terminated',
    );
    expect(body.error.offsetGaps.message).toMatch(
      /^network\.message-sent\.v1\[1\]: recorded up to 5, .*RECORDS_DELETED/,
    );
    expect(body.error.deadLetters.message).toMatch(/^3 dead letters pending for 12\d s: .*ECONNREFUSED$/);
  });

  it('is healthy while dead letters wait less than their bound', async () => {
    const deadLetters = { pending: 3, oldestAt: new Date(Date.now() - 5_000) };
    expect((await (await healthOf({ ...healthy, deadLetters })).check()).status).toBe('ok');
  });

  it('leaves lag out of readiness while HEALTH_MAX_LAG is 0', async () => {
    const result = await (await healthOf({ ...healthy, lags: [5_000, 7_000] })).ready();
    expect(result.status).toBe('ok');
    expect(result.details).not.toHaveProperty('lag');
  });

  it('is ready while the backlog stays within HEALTH_MAX_LAG, and not above it', async () => {
    const within = await (await healthOf({ ...healthy, lags: [4, 6] }, { HEALTH_MAX_LAG: '10' })).ready();
    expect(within.details.lag).toEqual({ status: 'up', records: 10, bound: 10 });

    const health = await healthOf({ ...healthy, lags: [4, 7] }, { HEALTH_MAX_LAG: '10' });
    const body = await unavailable(health.ready());
    expect(body.error).toEqual({ lag: { status: 'down', records: 11, bound: 10 } });
    // The backlog is a readiness matter only: /health keeps to SPEC section 5.
    expect((await health.check()).status).toBe('ok');
  });

  it('is live whatever its dependencies say', async () => {
    const health = await healthOf({ databaseUp: false, brokerUp: false, consuming: false, lags: [] });
    expect(health.live()).toEqual({
      status: 'ok',
      info: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
      error: {},
      details: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
    });
  });
});
