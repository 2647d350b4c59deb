import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { buildKafkaConfig, parseKafkaSecurityEnv } from '@ledger/kafka-client';
import { runStackScript, startPrivateKafka, type PrivateKafkaStack } from '../support/secure-kafka-stack.js';

const { Kafka, logLevel, Partitioners, ConfigResourceTypes } = kafkajs;

// `stack.sh up --brokers 3`: a three-node KRaft quorum on private ports, as a cluster is run for real.
let cluster: PrivateKafkaStack;

beforeAll(async () => {
  cluster = await startPrivateKafka({ brokers: 3 });
}, 420000);

afterAll(() => {
  cluster?.stop();
});

function kafka() {
  const settings = parseKafkaSecurityEnv({ KAFKA_BROKERS: cluster.plaintextBrokers });
  return new Kafka(buildKafkaConfig(settings, { clientId: 'cluster-test', logLevel: logLevel.NOTHING }));
}

function pidOf(node: number): number {
  return Number(readFileSync(join(cluster.stackDir, `kafka-${node}.pid`), 'utf8').trim());
}

describe('stack.sh up --brokers 3', () => {
  it('runs three brokers that form one cluster', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      expect(brokers.map((broker) => broker.nodeId).sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
  });

  it('gives new topics three replicas and min.insync.replicas 2, and takes acks=-1 writes', async () => {
    const topic = `cluster-rf-${Date.now()}`;
    const client = kafka();
    const admin = client.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      for (const partition of metadata.topics[0].partitions) {
        expect([...partition.replicas].sort()).toEqual([1, 2, 3]);
      }
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
      });
      expect(described.resources[0].configEntries[0].configValue).toBe('2');
      const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
      await producer.connect();
      try {
        const [result] = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
        expect(result.errorCode).toBe(0);
      } finally {
        await producer.disconnect();
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('status lists all three nodes with their pids', () => {
    const status = runStackScript(['status'], cluster.env);
    expect(status.status).toBe(0);
    for (const node of [1, 2, 3]) {
      expect(status.output).toContain(`Kafka node ${node} answers`);
      expect(status.output).toContain(`pid ${pidOf(node)}`);
    }
  });

  it('status fails when one node is gone', () => {
    const pid = pidOf(3);
    process.kill(pid, 'SIGKILL');
    const status = runStackScript(['status'], cluster.env);
    expect(status.status).not.toBe(0);
    expect(status.output).toMatch(/stopped: nothing answers on 127\.0\.0\.1:\d+/);
  });

  it('down stops every node it started', () => {
    const pids = [1, 2].map(pidOf);
    const down = runStackScript(['down'], cluster.env);
    expect(down.status).toBe(0);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(runStackScript(['status'], cluster.env).status).not.toBe(0);
  });
});
