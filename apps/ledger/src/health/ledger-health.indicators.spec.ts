import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { loadLedgerConfig, LEDGER_CONFIG } from '@ledger/app/platform/config/ledger-config.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { HealthController } from './health.controller.js';
import { LedgerConsumer, type PartitionPosition } from '@ledger/app/ingest/infrastructure/ledger-consumer.service.js';
import { HEALTH_BROKER_ADMIN, LedgerHealthIndicators } from './ledger-health.indicators.js';

interface World {
  databaseUp: boolean;
  brokerUp: boolean;
  consuming: boolean;
  lags: number[];
}

async function healthOf(world: World, env: Record<string, string> = {}): Promise<HealthController> {
  const position = (lag: number, partition: number): PartitionPosition => ({
    topic: 'network.message-sent.v1',
    partition,
    nextOffset: '0',
    highWatermark: String(lag),
    lag: String(lag),
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
      {
        provide: LedgerConsumer,
        useValue: {
          get consuming() {
            return world.consuming;
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
