import { TOPICS } from '@ledger/contracts';
import { buildKafkaConfig, parseKafkaSecurityEnv } from '@ledger/kafka-client';
import kafkajs from 'kafkajs';
import { apiClient, eventually, isolatedEnvironment, messageSent } from '../support/ledger-harness.js';
import { startScopedLedger } from '../support/scoped-ledger.js';
import { startSecureKafka, type SecureKafkaStack } from '../support/secure-kafka-stack.js';
import { ServiceProcess } from '../support/service-process.js';

const { Kafka, logLevel } = kafkajs;

// The service's own clients (consumer, admin, dead-letter and feed producers, health probe) over
// the secure listeners of a private `stack.sh up --secure`: nothing reaches its PLAINTEXT port.
let stack: SecureKafkaStack;

beforeAll(async () => {
  stack = await startSecureKafka();
}, 300000);

afterAll(() => stack?.stop());

function saslSsl(overrides: Record<string, string> = {}): Record<string, string> {
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

function mutualTls(): Record<string, string> {
  return {
    KAFKA_BROKERS: stack.secure.KAFKA_SSL_BROKERS,
    KAFKA_SECURITY_PROTOCOL: 'SSL',
    KAFKA_SSL_CA_FILE: stack.secure.KAFKA_SSL_CA_FILE,
    KAFKA_SSL_CERT_FILE: stack.secure.KAFKA_SSL_CERT_FILE,
    KAFKA_SSL_KEY_FILE: stack.secure.KAFKA_SSL_KEY_FILE,
  };
}

/** An upstream producer that connects exactly as the service is told to. */
async function produce(env: Record<string, string>, topic: string, key: string, value: string): Promise<void> {
  const kafka = new Kafka(
    buildKafkaConfig(parseKafkaSecurityEnv(env), { clientId: 'secure-upstream', logLevel: logLevel.NOTHING }),
  );
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

async function readDeadLetters(env: Record<string, string>, topic: string): Promise<string[]> {
  const admin = new Kafka(
    buildKafkaConfig(parseKafkaSecurityEnv(env), { clientId: 'secure-dlq-reader', logLevel: logLevel.NOTHING }),
  ).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.filter(({ high }) => Number(high) > 0).map(({ partition }) => String(partition));
  } finally {
    await admin.disconnect();
  }
}

async function firstSlice(label: string, kafkaEnv: Record<string, string>): Promise<void> {
  const environment = isolatedEnvironment(label);
  Object.assign(environment.env, kafkaEnv);
  const ledger = await startScopedLedger(environment);
  try {
    const api = apiClient(ledger.url);
    await eventually(async () => expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200), 60_000);
    const msisdn = '447700900801';
    const message = messageSent({ sender: { msisdn, network: 'O2-UK' } });
    await produce(kafkaEnv, environment.topic(TOPICS.messageSent), msisdn, JSON.stringify(message));
    const charge = await eventually(async () => {
      const response = await api.get(`/v1/messages/${String(message.messageId)}`);
      expect(response.status).toBe(200);
      return response.body as Record<string, unknown>;
    }, 60_000);
    expect(charge).toMatchObject({ messageId: message.messageId, status: 'CHARGED', pence: 10 });
    // The dead-letter producer goes over the same secure connection.
    await produce(kafkaEnv, environment.topic(TOPICS.messageSent), msisdn, 'not json at all');
    await eventually(async () => {
      const partitions = await readDeadLetters(kafkaEnv, `${environment.topic(TOPICS.messageSent)}.dlq`);
      expect(partitions.length).toBeGreaterThan(0);
    }, 60_000);
    const ready = await apiClient(ledger.url, null).get('/health/ready');
    expect(ready.status).toBe(200);
  } finally {
    await ledger.close();
  }
}

describe('the service on a secured Kafka', () => {
  it('produces, consumes and reads back over SASL_SSL with SCRAM-SHA-512 through the private CA', async () => {
    await firstSlice('saslssl', saslSsl());
  });

  it('does the same over mutual TLS with a client certificate', async () => {
    await firstSlice('mtls', mutualTls());
  });

  it('fails the start with a clear message on a wrong password, instead of retrying for ever', async () => {
    const environment = isolatedEnvironment('badpassword');
    Object.assign(environment.env, saslSsl({ KAFKA_SASL_PASSWORD: 'not-the-password' }));
    const service = new ServiceProcess(environment, { name: 'bad-password', healthTimeoutMs: 120_000 });
    const started = Date.now();
    await expect(service.start()).rejects.toThrow(/exited/);
    expect(service.exit?.code).toBe(1);
    // Generous: the point is that it gives up at all, not how fast.
    expect(Date.now() - started).toBeLessThan(120_000);
    const log = service.tail(80);
    expect(log).toContain('Kafka refused the credentials of KAFKA_SASL_USERNAME=ledger (SCRAM-SHA-512)');
    expect(log).toContain('KAFKA_SASL_PASSWORD');
    expect(log).not.toContain('not-the-password');
  });

  it('fails the start naming the variable when a PEM file is missing', async () => {
    const environment = isolatedEnvironment('badca');
    Object.assign(environment.env, saslSsl({ KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }));
    const service = new ServiceProcess(environment, { name: 'bad-ca' });
    await expect(service.start()).rejects.toThrow(/exited/);
    expect(service.exit?.code).toBe(1);
    expect(service.tail(80)).toContain('KAFKA_SSL_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)');
  });
});
