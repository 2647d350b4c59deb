import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoBackedLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { describeKafkaSettings } from '@ledger/kafka-client';
import { LEDGER_CONFIG, weakApiKeyWarnings, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { configureHttpEdge } from '@ledger/app/platform/http/http-edge.js';
import { setupOpenApi } from '@ledger/app/platform/http/openapi/openapi.js';
import { applyHeapGrowth } from '@ledger/app/platform/runtime/heap-growth.js';

async function bootstrap(): Promise<void> {
  // Lines logged while the modules start are held until the pino logger takes over, then written by it.
  // abortOnError off: a failed start rejects, is logged below and exits 1 (not a core-dumping abort).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    rawBody: true,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoBackedLogger));
  // SIGTERM: finish or abandon the slice in flight, leave the group, close the pool, then exit 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  Logger.log(applyHeapGrowth(config.heapGrowingPercent), 'Bootstrap');
  if (config.apiKeys.length === 0) {
    Logger.warn('LEDGER_API_KEYS is empty: every call but /health and /metrics will be refused', 'Bootstrap');
  }
  for (const warning of weakApiKeyWarnings(config.apiKeys)) Logger.warn(warning, 'Bootstrap');
  Logger.log(`Kafka: ${describeKafkaSettings(config.kafka.client)}`, 'Bootstrap');
  configureHttpEdge(app, config);
  setupOpenApi(app);
  await app.listen(config.port, '0.0.0.0');
  Logger.log(`message-ledger listening on port ${config.port}`, 'Bootstrap');
}

bootstrap().catch((error: Error) => {
  Logger.error(`message-ledger could not start: ${error.message}`, error.stack, 'Bootstrap');
  process.exit(1);
});
