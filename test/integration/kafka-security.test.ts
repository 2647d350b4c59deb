import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKafkaConfig, parseKafkaSecurityEnv, type KafkaEnv } from '@ledger/kafka-client';
import kafkajs, { type KafkaConfig } from 'kafkajs';
import { runStackScript, startSecureKafka, type SecureKafkaStack } from '../support/secure-kafka-stack.js';
import { makeTestCa } from '../support/test-certificates.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

// The secure listeners of a private `stack.sh up --secure`, reached only through @ledger/kafka-client.
let stack: SecureKafkaStack;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'ledger-kafka-security-'));
  stack = await startSecureKafka();
}, 300000);

afterAll(() => {
  stack?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function saslSslEnv(overrides: KafkaEnv = {}): KafkaEnv {
  return {
    KAFKA_BROKERS: stack.secure.KAFKA_SASL_SSL_BROKERS,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: stack.secure.KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD: stack.secure.KAFKA_SASL_PASSWORD,
    KAFKA_SSL_CA_FILE: stack.secure.KAFKA_SSL_CA_FILE,
    ...overrides,
  };
}

function mutualTlsEnv(overrides: KafkaEnv = {}): KafkaEnv {
  return {
    KAFKA_BROKERS: stack.secure.KAFKA_SSL_BROKERS,
    KAFKA_SECURITY_PROTOCOL: 'SSL',
    KAFKA_SSL_CA_FILE: stack.secure.KAFKA_SSL_CA_FILE,
    KAFKA_SSL_CERT_FILE: stack.secure.KAFKA_SSL_CERT_FILE,
    KAFKA_SSL_KEY_FILE: stack.secure.KAFKA_SSL_KEY_FILE,
    ...overrides,
  };
}

function configFrom(env: KafkaEnv, clientId: string): KafkaConfig {
  return buildKafkaConfig(parseKafkaSecurityEnv(env), {
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

/** Creates a topic, produces three keyed records and reads them back with a consumer group. */
async function roundTrip(config: KafkaConfig, topic: string): Promise<string[]> {
  const kafka = new Kafka(config);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  const sent = ['one', 'two', 'three'];
  try {
    await producer.send({ topic, acks: -1, messages: sent.map((value) => ({ key: 'msisdn-447700900001', value })) });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 500 });
  const received: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of 3 records read back`)), 60000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push(message.value?.toString() ?? '');
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/** The error that connecting an admin client gives, or undefined when it connects. */
async function connectError(config: KafkaConfig): Promise<Error | undefined> {
  const admin = new Kafka({ ...config, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

describe('Kafka over SASL_SSL with SCRAM (local stack --secure)', () => {
  it('produces and consumes as the SCRAM-SHA-512 user through the private CA', async () => {
    const topic = `secure-sasl-${process.env.TEST_RUN_ID ?? Date.now()}`;
    expect(await roundTrip(configFrom(saslSslEnv(), 'sasl-ssl-test'), topic)).toEqual(['one', 'two', 'three']);
  });

  it('lets the second user in with SCRAM-SHA-256', async () => {
    const config = configFrom(
      saslSslEnv({
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME: stack.secure.KAFKA_SASL_USERNAME_2,
        KAFKA_SASL_PASSWORD: stack.secure.KAFKA_SASL_PASSWORD_2,
      }),
      'sasl-256-test',
    );
    expect(await connectError(config)).toBeUndefined();
  });

  it('refuses a wrong password with a message that says the credentials are invalid', async () => {
    const error = await connectError(configFrom(saslSslEnv({ KAFKA_SASL_PASSWORD: 'not-the-password' }), 'bad-pw'));
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toBe(
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
  });

  it('refuses an unknown user as well', async () => {
    const error = await connectError(configFrom(saslSslEnv({ KAFKA_SASL_USERNAME: 'mallory' }), 'bad-user'));
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toContain('invalid credentials');
  });

  it('does not trust the broker without the private CA (system CAs only)', async () => {
    const error = await connectError(configFrom(saslSslEnv({ KAFKA_SSL_CA_FILE: '' }), 'system-ca'));
    expect(error?.message).toContain('self-signed certificate in certificate chain');
  });

  it('does not trust the broker under another CA', async () => {
    const other = makeTestCa(scratch, 'other');
    const error = await connectError(configFrom(saslSslEnv({ KAFKA_SSL_CA_FILE: other.certFile }), 'other-ca'));
    expect(error?.message).toMatch(/self-signed certificate in certificate chain|unable to verify/);
  });
});

describe('Kafka over SSL with client certificates (mutual TLS)', () => {
  it('produces and consumes with the client certificate', async () => {
    const topic = `secure-mtls-${process.env.TEST_RUN_ID ?? Date.now()}`;
    expect(await roundTrip(configFrom(mutualTlsEnv(), 'mtls-test'), topic)).toEqual(['one', 'two', 'three']);
  });

  it('is refused by the broker without a client certificate', async () => {
    const env = mutualTlsEnv({ KAFKA_SSL_CERT_FILE: '', KAFKA_SSL_KEY_FILE: '' });
    const error = await connectError(configFrom(env, 'no-cert'));
    expect(error?.message).toMatch(/alert (bad certificate|certificate required)/);
  });
});

describe('stack.sh with a secure stack running', () => {
  it('status names the secure listeners', () => {
    const status = runStackScript(['status'], stack.env);
    expect(status.status).toBe(0);
    expect(status.output).toContain(`SASL_SSL :${stack.secure.KAFKA_SASL_SSL_BROKERS.split(':')[1]}`);
  });

  it('up again reuses the running broker', () => {
    const up = runStackScript(['up', '--secure'], stack.env);
    expect(up.status).toBe(0);
    expect(up.output).toContain('reusing it');
  });

  it('down from another STACK_DIR refuses to report that it stopped a broker it did not start', () => {
    const otherDir = mkdtempSync(join(scratch, 'not-ours-'));
    const down = runStackScript(['down'], { STACK_DIR: otherDir, KAFKA_PORT: stack.env.KAFKA_PORT });
    expect(down.status).not.toBe(0);
    expect(down.output).toContain('that this script did not start');
    // The broker is still there afterwards.
    expect(runStackScript(['status'], stack.env).status).toBe(0);
  });
});
