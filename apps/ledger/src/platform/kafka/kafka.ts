import { Logger } from '@nestjs/common';
import kafkajs from 'kafkajs';
import { TOPICS, deadLetterTopic } from '@ledger/contracts';
import { buildKafkaConfig, type KafkaClientOptions, type KafkaClientSettings } from '@ledger/kafka-client';
import { compressionType, registerKafkaCodecs } from '@ledger/kafka-codecs';
import type { LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { sendAnswered, sendBatchAnswered } from './answered-send.js';
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
 * producer needs to keep its guarantee. A send resolves only once every partition it carries was
 * answered (answered-send.ts: kafkajs may drop a partition whose leader moved mid-request).
 */
export function createReliableProducer(kafka: Kafka): Producer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
  // kafkajs takes the codec per send: every send of the service's producers gets the configured one.
  const compression = producerCompression.get(kafka);
  const codec = compression === undefined ? {} : { compression };
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  producer.send = (record) => sendAnswered(send, { ...codec, ...record }, warnUnanswered);
  producer.sendBatch = (batch) => sendBatchAnswered(sendBatch, { ...codec, ...batch }, warnUnanswered);
  return producer;
}

const producerLogger = new Logger('KafkaProducer');

/** What a send that kafkajs left partly unanswered logs before it sends the rest again. */
export function warnUnanswered(count: number): void {
  producerLogger.warn(`kafkajs left ${count} messages unanswered after a leader change; sending them again`);
}

/** The codec KAFKA_PRODUCER_COMPRESSION chose for the producers of each of the service's clients. */
const producerCompression = new WeakMap<Kafka, kafkajs.CompressionTypes>();

/** A kafkajs client on the service's brokers, TLS and SASL (KAFKA_SECURITY_PROTOCOL and companions). */
export function kafkaClient(config: LedgerConfig, options: KafkaClientOptions): Kafka {
  registerKafkaCodecs();
  return new Kafka(buildKafkaConfig(config.kafka.client, options));
}

export function createKafka(config: LedgerConfig): Kafka {
  const kafka = kafkaClient(config, {
    clientId: 'message-ledger',
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    retry: { initialRetryTime: 300, retries: 10 },
  });
  producerCompression.set(kafka, compressionType(config.kafka.producerCompression));
  return kafka;
}

/**
 * Says what to check when Kafka refuses the service at start: kafkajs' own messages name neither
 * the variable nor the user. The password is never part of the message.
 */
export function explainKafkaConnectError(error: unknown, settings: KafkaClientSettings): Error {
  const { name, message } = error as Error;
  if (name === 'KafkaJSSASLAuthenticationError' && settings.sasl) {
    const { username, mechanism } = settings.sasl;
    return new Error(
      `Kafka refused the credentials of KAFKA_SASL_USERNAME=${username} (${mechanism}): ` +
        `check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM (${message})`,
      { cause: error },
    );
  }
  if (/certificate|SSL|TLS|handshake|alert/i.test(message ?? '')) {
    return new Error(
      `TLS to Kafka failed (${message}): check KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE and, for mutual TLS, ` +
        'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE',
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
