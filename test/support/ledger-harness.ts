import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { registerKafkaCodecs } from '@ledger/kafka-codecs';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { AppModule } from '@ledger/app/app.module.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { configureHttpEdge } from '@ledger/app/platform/http/http-edge.js';
import { setupOpenApi } from '@ledger/app/platform/http/openapi/openapi.js';

const { Kafka, logLevel } = kafkajs;

registerKafkaCodecs();

export const KEYS = {
  admin: 'test-admin-key-0001',
  finance: 'test-finance-key-0001',
  retail: 'test-retail-key-0001',
} as const;

export interface Environment {
  /** A fresh database, topic prefix and group of its own. */
  env: Record<string, string>;
  prefix: string;
  topic(name: string): string;
}

/** A name space of its own for one test file: database, topics and consumer group. */
export function isolatedEnvironment(label: string): Environment {
  const suffix = `${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 12)}_${randomBytes(3).toString('hex')}`;
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ledger_test');
  base.pathname = `${base.pathname}_${suffix}`;
  const prefix = `${process.env.KAFKA_TOPIC_PREFIX ?? 'test.'}${suffix}.`;
  return {
    env: {
      DATABASE_URL: base.toString(),
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: `ledger-${suffix}`,
      KAFKA_TOPIC_PARTITIONS: '3',
      LEDGER_API_KEYS: `admin:${KEYS.admin},finance:${KEYS.finance},retail:${KEYS.retail}`,
      LOG_LEVEL: 'warn',
      // The acceptance scenarios read thousands of pages a minute; test/integration/http-edge.test.ts sets a limit.
      API_RATE_LIMIT: '0',
    },
    prefix,
    topic: (name) => prefix + name,
  };
}

export interface RunningLedger {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Boots the real service in this process against the real broker and Postgres. */
/** Runs `statement(database)` on the server's `postgres` database, `database` the environment's own (quoted). */
export async function onServerOf(environment: Environment, statement: (database: string) => string): Promise<void> {
  const url = new URL(environment.env.DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(statement(pg.escapeIdentifier(name)));
  } finally {
    await admin.end();
  }
}

/** Creates the environment's database before the service does, so that a test can take a lock in it first. */
export function createDatabase(environment: Environment): Promise<void> {
  return onServerOf(environment, (database) => `CREATE DATABASE ${database}`);
}

export async function startLedger(environment: Environment): Promise<RunningLedger> {
  Object.assign(process.env, environment.env, { PORT: '0' });
  // abortOnError off: a start that fails rejects here, as in main.ts, instead of aborting Jest.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    rawBody: true,
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  configureHttpEdge(app, app.get<LedgerConfig>(LEDGER_CONFIG));
  setupOpenApi(app);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A start refused in onApplicationBootstrap (Kafka, topics) leaves pools and clients to close;
    // a relay still waiting for the topics would hold close() for ever, so it gets a few seconds.
    await Promise.race([app.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface Upstream {
  send(topic: string, records: { key: string | null; value: string | Buffer | null }[]): Promise<void>;
  close(): Promise<void>;
}

/** A plain kafkajs producer playing the upstream network and retail systems. */
export async function upstream(): Promise<Upstream> {
  const kafka = new Kafka({
    clientId: 'test-upstream',
    brokers: [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    send: async (topic, records) => {
      await producer.send({ topic, messages: records });
    },
    close: () => producer.disconnect(),
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export function apiClient(url: string, key: string | null = KEYS.admin) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> => {
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  };
  return {
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body: unknown) => call<T>('POST', path, body),
  };
}

/** Polls until the check passes or the time runs out, then fails with the last error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

export function messageSent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messageId: `MSG-${randomBytes(6).toString('hex')}`,
    kind: 'SMS',
    sentAt: '2003-04-02T10:15:00Z',
    sender: { msisdn: '447700900123', network: 'O2-UK' },
    recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
    roamingCountry: null,
    ...overrides,
  };
}
