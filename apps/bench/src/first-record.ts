import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import { benchTraffic, createInputTopic } from './backlog.js';
import { databaseUrl, topicPrefix, type BenchConfig } from './bench-config.js';
import { ServiceInstance, sleep } from './service-process.js';

const { Partitioners } = kafkajs;

export interface FirstRecordResult {
  /** From spawning the service to its first 200 on GET /health. */
  readonly bootMs: number;
  /** From handing the first record to the producer to GET /v1/messages/{id} answering 200. */
  readonly firstMs: number;
  /** The same for the records after it, one at a time. */
  readonly laterMedianMs: number;
  readonly laterMaxMs: number;
  readonly later: number;
}

const LATER_RECORDS = 5;
const POLL_EVERY_MS = 5;
const ANSWER_TIMEOUT_MS = 60_000;

/**
 * A newcomer's first impression, as the npm start test once asserted it: a freshly started
 * service, one record produced upstream, how long until the API answers for it.
 */
export async function measureFirstRecord(kafka: kafkajs.Kafka, config: BenchConfig): Promise<FirstRecordResult> {
  const prefix = topicPrefix(config, 'first');
  const environment = {
    databaseUrl: databaseUrl(config, 'first'),
    topicPrefix: prefix,
    groupId: `bench-${config.runId}-first`,
    brokers: config.brokers,
    apiKey: `bench-admin-key-${config.runId}`,
  };
  const topic = prefix + TOPICS.messageSent;
  await createInputTopic(kafka, topic);
  const started = performance.now();
  const service = await ServiceInstance.start(environment, 'first');
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  try {
    await service.waitHealthy(120_000);
    const bootMs = performance.now() - started;
    await producer.connect();
    const latencies: number[] = [];
    for (const record of benchTraffic(config, 1 + LATER_RECORDS, `FIRST-${config.runId}`)) {
      const { messageId } = JSON.parse(record.value) as { messageId: string };
      const sent = performance.now();
      await producer.send({ topic, acks: -1, messages: [record] });
      await answered(service, environment.apiKey, messageId);
      latencies.push(performance.now() - sent);
    }
    const later = latencies.slice(1).sort((a, b) => a - b);
    return {
      bootMs,
      firstMs: latencies[0],
      laterMedianMs: later[Math.floor(later.length / 2)],
      laterMaxMs: later[later.length - 1],
      later: later.length,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await service.stop();
  }
}

async function answered(service: ServiceInstance, apiKey: string, messageId: string): Promise<void> {
  const deadline = performance.now() + ANSWER_TIMEOUT_MS;
  while (performance.now() < deadline) {
    service.assertRunning();
    const response = await fetch(`http://127.0.0.1:${service.port}/v1/messages/${encodeURIComponent(messageId)}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    }).catch(() => null);
    if (response?.status === 200) return;
    await response?.body?.cancel();
    await sleep(POLL_EVERY_MS);
  }
  throw new Error(
    `message ${messageId} was not answered within ${ANSWER_TIMEOUT_MS / 1000} s; log: ${service.logFile}`,
  );
}
