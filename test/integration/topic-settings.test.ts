import { buildKafkaConfig, parseKafkaSecurityEnv } from '@ledger/kafka-client';
import kafkajs from 'kafkajs';
import { TOPICS } from '@ledger/contracts';
import { apiClient, eventually, isolatedEnvironment, type Environment } from '../support/ledger-harness.js';
import { startScopedLedger } from '../support/scoped-ledger.js';
import { startPrivateKafka, type PrivateKafkaStack } from '../support/secure-kafka-stack.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

// The topics the service creates when they are missing: replication and min.insync.replicas as
// configured, else what the cluster allows (3 and 2 from three brokers up, else the broker count and 1).
function adminFor(brokers: string) {
  return new Kafka(
    buildKafkaConfig(parseKafkaSecurityEnv({ KAFKA_BROKERS: brokers }), {
      clientId: 'topic-settings-test',
      logLevel: logLevel.NOTHING,
    }),
  ).admin();
}

async function topicSettings(
  brokers: string,
  topics: string[],
): Promise<{ topic: string; replicas: number[]; minIsr: string | undefined }[]> {
  const admin = adminFor(brokers);
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['min.insync.replicas'],
      })),
    });
    return topics.map((topic) => {
      const partitions = metadata.topics.find((entry) => entry.name === topic)!.partitions;
      const config = configs.resources.find((resource) => resource.resourceName === topic)!;
      const entry = config.configEntries.find((candidate) => candidate.configName === 'min.insync.replicas');
      return { topic, replicas: partitions[0].replicas, minIsr: entry?.configValue };
    });
  } finally {
    await admin.disconnect();
  }
}

async function bootAndClose(environment: Environment): Promise<void> {
  const ledger = await startScopedLedger(environment);
  try {
    await eventually(async () => expect((await apiClient(ledger.url, null).get('/health')).status).toBe(200), 60_000);
  } finally {
    await ledger.close();
  }
}

function allTopics(environment: Environment): string[] {
  const inputs = [TOPICS.messageSent, TOPICS.boltOnPurchased].map((name) => environment.topic(name));
  return [...inputs, ...inputs.map((topic) => `${topic}.dlq`), environment.topic(TOPICS.messageRated)];
}

describe('on the single shared broker', () => {
  it('creates every topic with one replica and min.insync.replicas 1', async () => {
    const environment = isolatedEnvironment('topicsone');
    await bootAndClose(environment);
    const settings = await topicSettings(environment.env.KAFKA_BROKERS, allTopics(environment));
    expect(settings).toHaveLength(5);
    for (const topic of settings) expect(topic).toMatchObject({ replicas: [expect.any(Number)], minIsr: '1' });
  });

  it('refuses a replication factor the cluster cannot hold, naming the variable', async () => {
    const environment = isolatedEnvironment('topicsbad');
    environment.env.KAFKA_REPLICATION_FACTOR = '3';
    await expect(startScopedLedger(environment)).rejects.toThrow(
      /KAFKA_REPLICATION_FACTOR=3 but the cluster has 1 broker/,
    );
  });

  it('names an input topic it cannot read in /health/ready', async () => {
    const environment = isolatedEnvironment('topicsready');
    const ledger = await startScopedLedger(environment);
    const admin = adminFor(environment.env.KAFKA_BROKERS);
    await admin.connect();
    try {
      await eventually(async () => expect((await apiClient(ledger.url, null).get('/health/ready')).status).toBe(200));
      const gone = environment.topic(TOPICS.boltOnPurchased);
      await admin.deleteTopics({ topics: [gone] });
      const ready = await eventually(async () => {
        const response = await apiClient(ledger.url, null).get('/health/ready');
        expect(response.status).toBe(503);
        return response.body as { error: Record<string, { unreadable?: string[] }> };
      }, 30_000);
      expect(ready.error.topics.unreadable).toEqual([gone]);
    } finally {
      await admin.disconnect();
      await ledger.close();
    }
  });
});

describe('on a three-broker cluster', () => {
  let cluster: PrivateKafkaStack;

  beforeAll(async () => {
    cluster = await startPrivateKafka({ brokers: 3 });
  }, 420000);

  afterAll(() => cluster?.stop());

  it('defaults to three replicas and min.insync.replicas 2', async () => {
    const environment = isolatedEnvironment('topicsthree');
    environment.env.KAFKA_BROKERS = cluster.plaintextBrokers;
    await bootAndClose(environment);
    for (const topic of await topicSettings(cluster.plaintextBrokers, allTopics(environment))) {
      expect([...topic.replicas].sort()).toEqual([1, 2, 3]);
      expect(topic.minIsr).toBe('2');
    }
  });

  it('takes KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS over the broker defaults', async () => {
    const environment = isolatedEnvironment('topicstwo');
    Object.assign(environment.env, {
      KAFKA_BROKERS: cluster.plaintextBrokers,
      KAFKA_REPLICATION_FACTOR: '2',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
    });
    await bootAndClose(environment);
    for (const topic of await topicSettings(cluster.plaintextBrokers, allTopics(environment))) {
      expect(topic.replicas).toHaveLength(2);
      expect(topic.minIsr).toBe('1');
    }
  });
});
