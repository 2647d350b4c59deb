import { TOPICS } from '@ledger/contracts';
import { messageTraffic, type UpstreamRecord } from '@ledger/traffic';
import { mixedTraffic, type MixedInput } from './traffic-mix.js';
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

/** The drains' traffic: the scenario's mix (traffic-mix.ts), `count` messages and the purchases it adds. */
export function benchMix(config: BenchConfig, count: number, idPrefix = 'BENCH'): Generator<MixedInput> {
  return mixedTraffic(count, { subscribers: config.subscribers, idPrefix });
}

/** An API purchase of the mix: POST /v1/subscribers/{msisdn}/bolt-ons with this body. */
export interface ApiPurchase {
  readonly msisdn: string;
  readonly body: string;
}

export interface Backlog {
  /** The service's KAFKA_TOPIC_PREFIX that reads it. */
  readonly topicPrefix: string;
  /** The message topic; `topics` has it and the retail topic. */
  readonly topic: string;
  readonly topics: readonly string[];
  /** Inputs in all (messages, retail records and API purchases): what the drains' rates are per. */
  readonly events: number;
  readonly messages: number;
  /** Records on the two topics together: zero lag is when the service has recorded this many offsets. */
  readonly records: number;
  readonly purchases: number;
  /** Subscribers (O2 senders and buyers) the backlog names at least once: the ones the service holds state for. */
  readonly subscribersSeen: number;
  /** Purchases the drain sends through the API while the service drains the topics. */
  readonly apiPurchases: readonly ApiPurchase[];
  readonly produceSeconds: number;
}

/**
 * Creates the topics and waits until each partition has a leader. A busy shared broker can answer
 * the creation's own wait with an unknown partition, so the wait is the bench's: metadata asked again
 * until every partition has a leader.
 */
export async function createInputTopic(kafka: kafkajs.Kafka, ...topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
      waitForLeaders: false,
    });
    const deadline = performance.now() + 60_000;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics })
        .then((metadata) =>
          metadata.topics.every(
            (topic) =>
              topic.partitions.length === PARTITIONS && topic.partitions.every((partition) => partition.leader >= 0),
          ),
        )
        .catch(() => false);
      if (ready) return;
      if (performance.now() > deadline) throw new Error(`the topics ${topics.join(', ')} have no leaders after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Fills the message and retail topics of a prefix with the mix of `events` messages, acks=1, 5,000
 * records a send; the mix's API purchases are kept for the drain to send.
 */
export async function produceBacklog(
  kafka: kafkajs.Kafka,
  config: BenchConfig,
  topicPrefix: string,
  events: number,
): Promise<Backlog> {
  const topic = topicPrefix + TOPICS.messageSent;
  const retail = topicPrefix + TOPICS.boltOnPurchased;
  await createInputTopic(kafka, topic, retail);
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const bar = new Progress(`produce backlog of ${events}`, events);
  const started = performance.now();
  const apiPurchases: ApiPurchase[] = [];
  let purchases = 0;
  let records = 0;
  const seen = new Set<string>();
  try {
    let messages: UpstreamRecord[] = [];
    let bought: UpstreamRecord[] = [];
    let sent = 0;
    const flush = async (): Promise<void> => {
      const topicMessages = [
        ...(messages.length > 0 ? [{ topic, messages }] : []),
        ...(bought.length > 0 ? [{ topic: retail, messages: bought }] : []),
      ];
      if (topicMessages.length > 0) await producer.sendBatch({ topicMessages, acks: 1 });
      sent += messages.length;
      records += messages.length + bought.length;
      bar.update(sent);
      messages = [];
      bought = [];
    };
    for (const input of benchMix(config, events)) {
      seen.add(input.kind === 'api-purchase' ? input.msisdn : input.record.key);
      if (input.kind === 'message') messages.push(input.record);
      else if (input.kind === 'purchase') {
        bought.push(input.record);
        purchases += 1;
      } else apiPurchases.push({ msisdn: input.msisdn, body: input.body });
      if (messages.length + bought.length === 5000) await flush();
    }
    await flush();
  } finally {
    bar.stop();
    await producer.disconnect();
  }
  return {
    topicPrefix,
    topic,
    topics: [topic, retail],
    events: records + apiPurchases.length,
    messages: events,
    records,
    purchases: purchases + apiPurchases.length,
    // Inbound and other-network senders are keys too, but not subscribers.
    subscribersSeen: [...seen].filter((key) => key.startsWith('4477')).length,
    apiPurchases,
    produceSeconds: (performance.now() - started) / 1000,
  };
}
