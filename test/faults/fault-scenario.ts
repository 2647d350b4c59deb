import { registerKafkaCodecs } from '@ledger/kafka-codecs';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import { isolatedEnvironment, type Environment } from '../support/ledger-harness.js';
import { runLedgerCli, ServiceProcess } from '../support/service-process.js';
import {
  buildWorkload,
  dropDatabase,
  exactlyOnceProblems,
  FaultProducer,
  inputTopics,
  recordedSoFar,
  testPool,
  timeline,
  waitUntilConsumed,
  type PlacedRecord,
  type Workload,
  type WorkloadOptions,
} from './fault-workload.js';

const { Kafka, logLevel } = kafkajs;

registerKafkaCodecs();

/**
 * One fault scenario: an environment of its own (database, topics, consumer group), the service
 * instances run in it, the upstream producer, and the test's own view of Postgres.
 */
export class Scenario {
  readonly services: ServiceProcess[] = [];
  readonly topics: { messageSent: string; boltOnPurchased: string };
  readonly log: ReturnType<typeof timeline>;
  private producerInstance: FaultProducer | null = null;
  private poolInstance: pg.Pool | null = null;

  private constructor(
    readonly label: string,
    readonly environment: Environment,
    readonly workload: Workload,
  ) {
    this.topics = inputTopics(environment);
    this.log = timeline(label);
  }

  static create(label: string, workload: WorkloadOptions): Scenario {
    return new Scenario(label, isolatedEnvironment(label), buildWorkload(workload));
  }

  /** An instance of the service in this environment (not started). */
  instance(name: string, env: Record<string, string> = {}): ServiceProcess {
    const service = new ServiceProcess(this.environment, { name, env });
    this.services.push(service);
    return service;
  }

  get producer(): FaultProducer {
    if (!this.producerInstance) throw new Error('connect() first');
    return this.producerInstance;
  }

  get pool(): pg.Pool {
    if (!this.poolInstance) throw new Error('connect() first');
    return this.poolInstance;
  }

  get placed(): readonly PlacedRecord[] {
    return this.producer.placed;
  }

  /** Once a service has created the topics and the database: the producer and the test's pool. */
  async connect(): Promise<void> {
    this.producerInstance = await FaultProducer.connect(this.environment);
    this.poolInstance = testPool(this.environment);
  }

  /** Produces the bolt-on purchases and waits until the ledger has them all, before any message. */
  async purchaseBoltOns(): Promise<void> {
    await this.producer.send(this.topics.boltOnPurchased, this.workload.purchases);
    await waitUntilConsumed(this.pool, this.placed, null, 60_000);
    this.log.note(`${this.workload.purchases.length} purchase records recorded`);
  }

  /** The message stream cut, in order, into parts sized by the weights given. */
  messageParts(weights: readonly number[]): (typeof this.workload.messages)[] {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const messages = this.workload.messages;
    let start = 0;
    let cumulative = 0;
    return weights.map((weight) => {
      cumulative += weight;
      const end = Math.round((messages.length * cumulative) / total);
      const part = messages.slice(start, end);
      start = end;
      return part;
    });
  }

  async progress(): Promise<string> {
    // A connection of the test's own pool may have just been cut: one more try on a fresh one.
    const recorded = await recordedSoFar(this.pool).catch(async () => recordedSoFar(this.pool).catch(() => NaN));
    return `${recorded} of ${this.placed.length} produced recorded`;
  }

  /** Waits for lag 0 and returns every way in which the ledger differs from exactly once. */
  async exactlyOnceProblems(url: string | null, timeoutMs = 120_000): Promise<string[]> {
    await waitUntilConsumed(this.pool, this.placed, url, timeoutMs);
    this.log.note(`all ${this.placed.length} records consumed`);
    const problems = await exactlyOnceProblems(this.pool, this.workload, this.placed);
    this.log.note(problems.length === 0 ? 'exactly once holds' : `PROBLEMS: ${problems.join(' | ')}`);
    return problems;
  }

  /** SPEC section 6: every read model equals its rebuild from the event store (`npm run ledger -- verify`). */
  async readModelsMatchEvents(): Promise<{ code: number | null; output: string }> {
    const verify = await runLedgerCli(this.environment, ['verify']);
    this.log.note(`ledger verify: exit ${verify.code}`);
    // The progress bar redraws itself; keep the verdict lines.
    return {
      code: verify.code,
      output: verify.output
        .split(/[\r\n]/)
        .filter((line) => !line.includes('['))
        .join('\n'),
    };
  }

  /** The dead letters on `<topic>.dlq`: how many times each source offset was copied there. */
  async deadLetters(topic: string): ReturnType<typeof readDeadLetters> {
    return readDeadLetters(this.environment, topic);
  }

  async close(): Promise<void> {
    await Promise.all(this.services.map((service) => service.stop().catch(() => undefined)));
    await this.producerInstance?.close();
    await this.poolInstance?.end().catch(() => undefined);
    this.log.print();
    await dropDatabase(this.environment).catch(() => undefined);
  }
}

export interface DeadLetter {
  /** How many times this source record was copied to the dead-letter topic. */
  count: number;
  reason: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads a dead-letter topic from the beginning to its current end, keyed by source partition:offset. */
export async function readDeadLetters(environment: Environment, topic: string): Promise<Map<string, DeadLetter>> {
  const kafka = new Kafka({
    clientId: 'fault-dlq-reader',
    brokers: environment.env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
  await admin.disconnect();
  const found = new Map<string, DeadLetter>();
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  if (remaining.size === 0) return found;
  const consumer = kafka.consumer({ groupId: `fault-dlq-reader-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic} not read to its end within 60 s`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const headers = Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
            );
            const source = `${headers['ledger-source-partition']}:${headers['ledger-source-offset']}`;
            const seen = found.get(source);
            found.set(source, {
              count: (seen?.count ?? 0) + 1,
              reason: headers['ledger-reason'],
              key: message.key?.toString('utf8') ?? null,
              value: message.value,
              headers,
            });
            if (BigInt(message.offset) + 1n >= ends.get(partition)!) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            await Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
