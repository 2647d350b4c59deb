import { KAFKA_COMPRESSIONS, type KafkaCompression } from '@ledger/kafka-codecs';
import { z } from 'zod';
import { LedgerError, type ConfigurationErrorCode } from '@ledger/contracts';
import {
  formatKafkaBroker,
  KafkaClientConfigError,
  parseKafkaSecurityEnv,
  type KafkaClientSettings,
} from '@ledger/kafka-client';

export const API_ROLES = ['finance', 'retail', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface ApiKey {
  readonly role: ApiRole;
  readonly key: string;
}

const apiKeysSchema = z
  .string()
  .optional()
  .transform((value, ctx): ApiKey[] => {
    if (!value || value.trim() === '') return [];
    const keys: ApiKey[] = [];
    for (const pair of value.split(',')) {
      const separator = pair.indexOf(':');
      const role = pair.slice(0, separator).trim();
      const key = pair.slice(separator + 1).trim();
      if (separator < 0 || !API_ROLES.includes(role as ApiRole) || key.length < 8) {
        // Never echo the key itself: the message names the position and the rule only.
        ctx.addIssue({
          code: 'custom',
          message: `each entry must be role:key with role one of ${API_ROLES.join(', ')} and a key of 8 or more characters (entry ${keys.length + 1} is not)`,
        });
        return z.NEVER;
      }
      keys.push({ role: role as ApiRole, key });
    }
    return keys;
  });

/** SPEC section 7 leaves key length to the operator; shorter than this draws a warning at start. */
export const STRONG_API_KEY_LENGTH = 24;
const CURSOR_SECRET_MIN_LENGTH = 32;

const cursorSecretsSchema = z
  .string()
  .optional()
  .transform((value, ctx): string[] => {
    if (!value || value.trim() === '') return [];
    const secrets = value.split(',').map((secret) => secret.trim());
    const weak = secrets.findIndex((secret) => secret.length < CURSOR_SECRET_MIN_LENGTH);
    if (weak >= 0) {
      // The message names the position only: a secret is never echoed.
      ctx.addIssue({
        code: 'custom',
        message: `entry ${weak + 1} is shorter than ${CURSOR_SECRET_MIN_LENGTH} characters (use e.g. openssl rand -base64 32)`,
      });
      return z.NEVER;
    }
    return secrets;
  });

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

const milliseconds = (fallback: number) => z.coerce.number().int().min(0).max(86_400_000).default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/ledger'),
  MIGRATION_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  LEDGER_MIGRATE: flag(true),
  KAFKA_GROUP_ID: z.string().min(1).default('message-ledger'),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  KAFKA_PRODUCER_COMPRESSION: z.enum(KAFKA_COMPRESSIONS).default('none'),
  LEDGER_API_KEYS: apiKeysSchema,
  TARIFF_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  HEALTH_MAX_LAG: z.coerce.number().int().min(0).default(0),
  HEALTH_STALLED_PARTITION_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  HEALTH_DEAD_LETTER_RELAY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  DEAD_LETTER_KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((value) => value?.split(',').map((broker) => broker.trim()))
    .refine(
      (brokers) => brokers === undefined || brokers.every((broker) => /^[^:\s]+:\d+$/.test(broker)),
      'must be host:port pairs separated by commas',
    ),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  DB_API_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(4),
  DB_STATEMENT_TIMEOUT_MS: milliseconds(60_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: milliseconds(60_000),
  API_STATEMENT_TIMEOUT_MS: milliseconds(15_000),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).optional(),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).max(32).optional(),
  CURSOR_SECRET: cursorSecretsSchema,
  API_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  API_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
  METRICS_DOCS_REQUIRE_KEY: flag(false),
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(150),
});

export type LedgerConfig = Readonly<{
  port: number;
  databaseUrl: string;
  /** The owner role's URL for `ledger -- migrate` and the other maintenance commands; DATABASE_URL when unset. */
  migrationDatabaseUrl: string;
  /** Whether the service applies pending migrations at start (false: `ledger -- migrate` does, as the owner). */
  migrateAtStart: boolean;
  database: Readonly<{
    /** The API's own pool, so that reads never take ingest's connections. */
    apiPoolSize: number;
    /** 0: no limit. */
    statementTimeoutMs: number;
    apiStatementTimeoutMs: number;
    idleInTransactionTimeoutMs: number;
  }>;
  kafka: Readonly<{
    /** KAFKA_BROKERS as host:port strings, for logs; clients connect with `client`. */
    brokers: string[];
    /** Validated brokers, TLS and SASL settings: every Kafka client of the service is built from them. */
    client: KafkaClientSettings;
    /** Unset: what the cluster allows (3 from three brokers up, else the broker count). */
    replicationFactor: number | undefined;
    /** Unset: 2 with three replicas or more, else 1. */
    minInsyncReplicas: number | undefined;
    groupId: string;
    topicPrefix: string;
    topicPartitions: number;
    concurrency: number;
    /** The codec of the service's own producers (dead letters, the rated-message feed). */
    producerCompression: KafkaCompression;
    /** Where dead letters are published: KAFKA_BROKERS unless DEAD_LETTER_KAFKA_BROKERS names another cluster. */
    deadLetterBrokers: string[];
  }>;
  apiKeys: readonly ApiKey[];
  tariffFile: string | undefined;
  logLevel: string;
  /** `pretty` for people at a terminal (needs the pino-pretty dev dependency); `json` for log collectors. */
  logFormat: 'json' | 'pretty';
  /** Records behind, summed over the input partitions, above which /health/ready fails; 0 leaves lag unchecked. */
  healthMaxLag: number;
  /** A partition with lag whose recorded offset has not moved for this long makes /health fail. */
  healthStalledPartitionSeconds: number;
  /** Dead letters waiting while the relay has failed to reach its broker for this long make /health fail. */
  healthDeadLetterRelaySeconds: number;
  /** The pool for ingest, the writer and the feed. */
  dbPoolSize: number;
  /** Secrets that sign cursors, first signs; empty: the random one stored in the database. */
  cursorSecrets: readonly string[];
  http: Readonly<{
    /** Calls a key (or, without a valid key, an address) may make per window; 0 turns the limit off. */
    rateLimit: number;
    rateLimitWindowSeconds: number;
    bodyLimitBytes: number;
    /** /metrics and /docs need a key of any role. */
    opsNeedKey: boolean;
  }>;
  /**
   * How far V8 lets the heap grow past what the last full collection kept, in percent (V8's
   * --heap-growing-percent); 0 leaves it to V8, which on a large machine lets it grow fourfold.
   */
  heapGrowingPercent: number;
}>;

/** A setting of the environment is missing or bad: the service does not start. */
export class ConfigurationError extends LedgerError {
  declare readonly code: ConfigurationErrorCode;

  constructor(message: string) {
    super('INVALID_CONFIGURATION', message);
  }
}

/** Reads and validates the environment once, at boot; a bad value stops the start and is named. */
export function loadLedgerConfig(env: Record<string, string | undefined>): LedgerConfig {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  let kafkaClient: KafkaClientSettings | undefined;
  try {
    kafkaClient = parseKafkaSecurityEnv(env);
  } catch (error) {
    if (!(error instanceof KafkaClientConfigError)) throw error;
    problems.push(error.message);
  }
  if (!parsed.success || !kafkaClient) {
    throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  return {
    port: value.PORT,
    databaseUrl: value.DATABASE_URL,
    migrationDatabaseUrl: value.MIGRATION_DATABASE_URL ?? value.DATABASE_URL,
    migrateAtStart: value.LEDGER_MIGRATE,
    database: {
      apiPoolSize: value.DB_API_POOL_SIZE,
      statementTimeoutMs: value.DB_STATEMENT_TIMEOUT_MS,
      apiStatementTimeoutMs: value.API_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: value.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    kafka: {
      brokers: kafkaClient.brokers.map(formatKafkaBroker),
      client: kafkaClient,
      replicationFactor: value.KAFKA_REPLICATION_FACTOR,
      minInsyncReplicas: value.KAFKA_MIN_INSYNC_REPLICAS,
      groupId: value.KAFKA_GROUP_ID,
      topicPrefix: value.KAFKA_TOPIC_PREFIX,
      topicPartitions: value.KAFKA_TOPIC_PARTITIONS,
      concurrency: value.INGEST_CONCURRENCY,
      producerCompression: value.KAFKA_PRODUCER_COMPRESSION,
      deadLetterBrokers: value.DEAD_LETTER_KAFKA_BROKERS ?? kafkaClient.brokers.map(formatKafkaBroker),
    },
    apiKeys: value.LEDGER_API_KEYS,
    tariffFile: value.TARIFF_FILE,
    logLevel: value.LOG_LEVEL,
    logFormat: value.LOG_FORMAT,
    healthMaxLag: value.HEALTH_MAX_LAG,
    healthStalledPartitionSeconds: value.HEALTH_STALLED_PARTITION_SECONDS,
    healthDeadLetterRelaySeconds: value.HEALTH_DEAD_LETTER_RELAY_SECONDS,
    dbPoolSize: value.DB_POOL_SIZE,
    cursorSecrets: value.CURSOR_SECRET,
    http: {
      rateLimit: value.API_RATE_LIMIT,
      rateLimitWindowSeconds: value.API_RATE_LIMIT_WINDOW_SECONDS,
      bodyLimitBytes: value.HTTP_BODY_LIMIT_BYTES,
      opsNeedKey: value.METRICS_DOCS_REQUIRE_KEY,
    },
    heapGrowingPercent: value.HEAP_GROWING_PERCENT,
  };
}

/** One warning per API key shorter than STRONG_API_KEY_LENGTH, naming its position and role, never the key. */
export function weakApiKeyWarnings(keys: readonly ApiKey[]): string[] {
  return keys.flatMap(({ role, key }, index) =>
    key.length < STRONG_API_KEY_LENGTH
      ? [
          `LEDGER_API_KEYS entry ${index + 1} (${role}) is ${key.length} characters: use ${STRONG_API_KEY_LENGTH} or more random characters`,
        ]
      : [],
  );
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
