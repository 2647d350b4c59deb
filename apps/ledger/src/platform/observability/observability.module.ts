import { Global, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { LEDGER_CONFIG } from '@ledger/app/platform/config/ledger-config.js';
import { HealthCheckLogger } from './health-check.logger.js';
import { EVERY_ROUTE, HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { LedgerMetrics } from './ledger-metrics.js';
import { loggerParams } from './logger-params.js';
import { MetricsController } from './metrics.controller.js';

/**
 * Logs, metrics and the health-check machinery: pino behind Nest's Logger (global), the metrics
 * registry and GET /metrics, HTTP request metrics for every route, and Terminus for /health.
 * Global: every context counts and logs through it.
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({ inject: [LEDGER_CONFIG], useFactory: loggerParams }),
    TerminusModule.forRoot({ logger: HealthCheckLogger, errorLogStyle: 'json' }),
  ],
  controllers: [MetricsController],
  providers: [LedgerMetrics],
  exports: [LedgerMetrics, TerminusModule],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: EVERY_ROUTE, method: RequestMethod.ALL });
  }
}
