import { Global, Module } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { createKafka, KAFKA, TOPIC_NAMES, TopicNames } from './kafka.js';
import { TopicsReady } from './topics-ready.js';

/** The Kafka client, the service's topic names, and the signal that the topics exist. */
@Global()
@Module({
  providers: [
    { provide: KAFKA, inject: [LEDGER_CONFIG], useFactory: createKafka },
    {
      provide: TOPIC_NAMES,
      inject: [LEDGER_CONFIG],
      useFactory: (config: LedgerConfig) => new TopicNames(config.kafka.topicPrefix),
    },
    TopicsReady,
  ],
  exports: [KAFKA, TOPIC_NAMES, TopicsReady],
})
export class KafkaModule {}
