import { readFileSync } from 'node:fs';
import { parseKafkaBrokers, type KafkaBroker } from './kafka-brokers.js';
import { KafkaClientConfigError } from './kafka-client.errors.js';

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];

export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaSaslSettings {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** PEM contents, read from the files the variables name. No `ca`: the system's CAs. */
export interface KafkaTlsSettings {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Validated Kafka connection settings: what every client of the ledger connects with. */
export interface KafkaClientSettings {
  readonly brokers: readonly KafkaBroker[];
  readonly securityProtocol: KafkaSecurityProtocol;
  readonly sasl?: KafkaSaslSettings;
  readonly tls?: KafkaTlsSettings;
}

export type KafkaEnv = Readonly<Record<string, string | undefined>>;
export type ReadTextFile = (path: string) => string;

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';

const readUtf8: ReadTextFile = (path) => readFileSync(path, 'utf8');

/** Unset and blank are the same: compose files and shells often pass empty strings. */
function setting(env: KafkaEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(env: KafkaEnv, name: string, allowed: readonly T[]): T | undefined {
  const value = setting(env, name);
  if (value === undefined) return undefined;
  const match = allowed.find((option) => option === value.toUpperCase());
  if (match === undefined) {
    throw new KafkaClientConfigError(name, `"${value}" is not one of ${allowed.join(', ')}`);
  }
  return match;
}

function readPem(
  env: KafkaEnv,
  name: string,
  expected: RegExp,
  what: string,
  readFile: ReadTextFile,
): string | undefined {
  const path = setting(env, name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new KafkaClientConfigError(name, `cannot read ${path} (${code})`);
  }
  if (!expected.test(text)) {
    throw new KafkaClientConfigError(name, `${path} holds no PEM ${what}`);
  }
  return text;
}

function parseSasl(env: KafkaEnv, protocol: KafkaSecurityProtocol): KafkaSaslSettings | undefined {
  const mechanism = oneOf(env, 'KAFKA_SASL_MECHANISM', KAFKA_SASL_MECHANISMS);
  const username = setting(env, 'KAFKA_SASL_USERNAME');
  const password = env.KAFKA_SASL_PASSWORD;
  const wantsSasl = protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT';
  if (!wantsSasl) {
    const stray = mechanism ? 'KAFKA_SASL_MECHANISM' : username ? 'KAFKA_SASL_USERNAME' : undefined;
    if (stray) {
      throw new KafkaClientConfigError(
        stray,
        `is set but KAFKA_SECURITY_PROTOCOL is ${protocol}; use SASL_SSL (or SASL_PLAINTEXT) to authenticate`,
      );
    }
    return undefined;
  }
  if (!mechanism) {
    throw new KafkaClientConfigError(
      'KAFKA_SASL_MECHANISM',
      `is required with KAFKA_SECURITY_PROTOCOL=${protocol} (one of ${KAFKA_SASL_MECHANISMS.join(', ')})`,
    );
  }
  if (!username) {
    throw new KafkaClientConfigError('KAFKA_SASL_USERNAME', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  }
  if (password === undefined || password === '') {
    throw new KafkaClientConfigError('KAFKA_SASL_PASSWORD', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  }
  return { mechanism, username, password };
}

function parseTls(
  env: KafkaEnv,
  protocol: KafkaSecurityProtocol,
  readFile: ReadTextFile,
): KafkaTlsSettings | undefined {
  const names = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'];
  const wantsTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (!wantsTls) {
    const stray = names.find((name) => setting(env, name) !== undefined);
    if (stray) {
      throw new KafkaClientConfigError(stray, `is set but KAFKA_SECURITY_PROTOCOL is ${protocol}, which sends no TLS`);
    }
    return undefined;
  }
  const hasCert = setting(env, 'KAFKA_SSL_CERT_FILE') !== undefined;
  const hasKey = setting(env, 'KAFKA_SSL_KEY_FILE') !== undefined;
  if (hasCert !== hasKey) {
    const missing = hasCert ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE';
    const present = hasCert ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
    throw new KafkaClientConfigError(missing, `is required with ${present} (a client certificate needs its key)`);
  }
  return {
    ca: readPem(env, 'KAFKA_SSL_CA_FILE', /-----BEGIN CERTIFICATE-----/, 'certificate', readFile),
    cert: readPem(env, 'KAFKA_SSL_CERT_FILE', /-----BEGIN CERTIFICATE-----/, 'certificate', readFile),
    key: readPem(
      env,
      'KAFKA_SSL_KEY_FILE',
      /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
      'private key',
      readFile,
    ),
  };
}

/**
 * Reads and validates KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_*_FILE
 * (reading the PEM files). Throws a KafkaClientConfigError that names the variable at fault.
 */
export function parseKafkaSecurityEnv(env: KafkaEnv, readFile: ReadTextFile = readUtf8): KafkaClientSettings {
  const brokers = parseKafkaBrokers(setting(env, 'KAFKA_BROKERS') ?? DEFAULT_KAFKA_BROKERS);
  const securityProtocol = oneOf(env, 'KAFKA_SECURITY_PROTOCOL', KAFKA_SECURITY_PROTOCOLS) ?? 'PLAINTEXT';
  const sasl = parseSasl(env, securityProtocol);
  const tls = parseTls(env, securityProtocol, readFile);
  return { brokers, securityProtocol, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}) };
}
