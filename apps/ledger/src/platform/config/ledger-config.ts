import { KAFKA_COMPRESSIONS, type KafkaCompression } from '@ledger/kafka-codecs';
import { z } from 'zod';
import { LedgerError, type ConfigurationErrorCode } from '@ledger/contracts';

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

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/ledger'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .refine(
      (brokers) => brokers.every((broker) => /^[^:\s]+:\d+$/.test(broker)),
      'must be host:port pairs separated by commas',
    ),
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
});

export type LedgerConfig = Readonly<{
  port: number;
  databaseUrl: string;
  kafka: Readonly<{
    brokers: string[];
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
  dbPoolSize: number;
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
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  return {
    port: value.PORT,
    databaseUrl: value.DATABASE_URL,
    kafka: {
      brokers: value.KAFKA_BROKERS,
      groupId: value.KAFKA_GROUP_ID,
      topicPrefix: value.KAFKA_TOPIC_PREFIX,
      topicPartitions: value.KAFKA_TOPIC_PARTITIONS,
      concurrency: value.INGEST_CONCURRENCY,
      producerCompression: value.KAFKA_PRODUCER_COMPRESSION,
      deadLetterBrokers: value.DEAD_LETTER_KAFKA_BROKERS ?? value.KAFKA_BROKERS,
    },
    apiKeys: value.LEDGER_API_KEYS,
    tariffFile: value.TARIFF_FILE,
    logLevel: value.LOG_LEVEL,
    logFormat: value.LOG_FORMAT,
    healthMaxLag: value.HEALTH_MAX_LAG,
    healthStalledPartitionSeconds: value.HEALTH_STALLED_PARTITION_SECONDS,
    healthDeadLetterRelaySeconds: value.HEALTH_DEAD_LETTER_RELAY_SECONDS,
    dbPoolSize: value.DB_POOL_SIZE,
  };
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
