import kafkajs from 'kafkajs';
import { TOPICS, deadLetterTopic } from '@ledger/contracts';
import type { LedgerConfig } from '../../config/ledger-config.js';
import { kafkaLogCreator } from './kafka-log.js';

export const { Kafka, logLevel, Partitioners } = kafkajs;
export type Kafka = kafkajs.Kafka;
export type Consumer = kafkajs.Consumer;
export type Producer = kafkajs.Producer;
export type Admin = kafkajs.Admin;
export type EachBatchPayload = kafkajs.EachBatchPayload;
export type KafkaMessage = kafkajs.KafkaMessage;

export const KAFKA = Symbol('KAFKA');

/** The environment's topic names: SPEC section 2's, behind KAFKA_TOPIC_PREFIX. */
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

export function createKafka(config: LedgerConfig): Kafka {
  return new Kafka({
    clientId: 'message-ledger',
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    retry: { initialRetryTime: 300, retries: 10 },
  });
}
