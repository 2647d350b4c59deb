import kafkajs from 'kafkajs';
import { TOPICS, deadLetterTopic } from '@ledger/contracts';
import { compressionType, registerKafkaCodecs } from '@ledger/kafka-codecs';
import type { LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { kafkaLogCreator } from './kafka-log.js';

export const { Kafka, logLevel, Partitioners } = kafkajs;
export type Kafka = kafkajs.Kafka;
export type Consumer = kafkajs.Consumer;
export type Producer = kafkajs.Producer;
export type Admin = kafkajs.Admin;
export type EachBatchPayload = kafkajs.EachBatchPayload;
export type KafkaMessage = kafkajs.KafkaMessage;

export const KAFKA = Symbol('KAFKA');
export const TOPIC_NAMES = Symbol('TOPIC_NAMES');

/** The environment's topic names: docs/CONTRACT.md section 2's, behind KAFKA_TOPIC_PREFIX. */
export class TopicNames {
  constructor(private readonly prefix: string) {}

  get messageSent(): string {
    return this.prefix + TOPICS.messageSent;
  }

  get boltOnPurchased(): string {
    return this.prefix + TOPICS.boltOnPurchased;
  }

  get messageRated(): string {
    return this.prefix + TOPICS.messageRated;
  }

  get inputs(): string[] {
    return [this.messageSent, this.boltOnPurchased];
  }

  get all(): string[] {
    return [...this.inputs, ...this.inputs.map(deadLetterTopic), this.messageRated];
  }

  /** The unprefixed contract name of an input topic of this environment. */
  kindOf(topic: string): typeof TOPICS.messageSent | typeof TOPICS.boltOnPurchased {
    return topic === this.boltOnPurchased ? TOPICS.boltOnPurchased : TOPICS.messageSent;
  }
}

/**
 * The service's own producers (dead letters, the rated-message feed): idempotent, one request in
 * flight so order holds per partition, and never giving up on their own, which the idempotent
 * producer needs to keep its guarantee.
 */
export function createReliableProducer(kafka: Kafka): Producer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
  const compression = producerCompression.get(kafka);
  if (compression === undefined) return producer;
  // kafkajs takes the codec per send: every send of the service's producers gets the configured one.
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  producer.send = (record) => send({ compression, ...record });
  producer.sendBatch = (batch) => sendBatch({ compression, ...batch });
  return producer;
}

/** The codec KAFKA_PRODUCER_COMPRESSION chose for the producers of each of the service's clients. */
const producerCompression = new WeakMap<Kafka, kafkajs.CompressionTypes>();

export function createKafka(config: LedgerConfig): Kafka {
  registerKafkaCodecs();
  const kafka = new Kafka({
    clientId: 'message-ledger',
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    retry: { initialRetryTime: 300, retries: 10 },
  });
  producerCompression.set(kafka, compressionType(config.kafka.producerCompression));
  return kafka;
}
