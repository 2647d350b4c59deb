import { TOPICS } from '@ledger/contracts';
import { messageTraffic, type UpstreamRecord } from '@ledger/traffic';
import kafkajs from 'kafkajs';
import type { BenchConfig } from './bench-config.js';
import { Progress } from './progress.js';

const { Partitioners } = kafkajs;

/** As many as the service creates by default (KAFKA_TOPIC_PARTITIONS), so one to six instances share the work. */
export const PARTITIONS = 6;

/** The same records on every run and in every phase: the ceilings and the peer replay them. */
export function benchTraffic(config: BenchConfig, count: number, idPrefix = 'BENCH'): Generator<UpstreamRecord> {
  return messageTraffic(count, { subscribers: config.subscribers, idPrefix });
}

export interface Backlog {
  /** The service's KAFKA_TOPIC_PREFIX that reads it. */
  readonly topicPrefix: string;
  readonly topic: string;
  readonly events: number;
  readonly produceSeconds: number;
}

export async function createInputTopic(kafka: kafkajs.Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Fills the input topic of a prefix with the first `events` bench records, acks=1, 5,000 a send. */
export async function produceBacklog(
  kafka: kafkajs.Kafka,
  config: BenchConfig,
  topicPrefix: string,
  events: number,
): Promise<Backlog> {
  const topic = topicPrefix + TOPICS.messageSent;
  await createInputTopic(kafka, topic);
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const bar = new Progress(`produce backlog of ${events}`, events);
  const started = performance.now();
  try {
    let batch: UpstreamRecord[] = [];
    let sent = 0;
    for (const record of benchTraffic(config, events)) {
      batch.push(record);
      if (batch.length === 5000) {
        await producer.send({ topic, messages: batch, acks: 1 });
        sent += batch.length;
        bar.update(sent);
        batch = [];
      }
    }
    if (batch.length > 0) await producer.send({ topic, messages: batch, acks: 1 });
    bar.update(events);
  } finally {
    bar.stop();
    await producer.disconnect();
  }
  return { topicPrefix, topic, events, produceSeconds: (performance.now() - started) / 1000 };
}
