import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DeadLetterSink } from '../application/ingest-batch.service.js';
import type { RecordOrigin } from '@ledger/app/rejections/read-model/record-origin.js';
import { createReliableProducer, KAFKA, type Kafka, type Producer } from '@ledger/app/platform/kafka/kafka.js';

/** Copies each unreadable record to `<topic>.dlq`, with the reason and where it came from in headers. */
@Injectable()
export class DeadLetterProducer implements DeadLetterSink, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly producer: Producer;

  constructor(@Inject(KAFKA) kafka: Kafka) {
    this.producer = createReliableProducer(kafka);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  async send(
    topic: string,
    records: readonly { origin: RecordOrigin; reason: string; detail: string }[],
  ): Promise<void> {
    await this.producer.send({
      topic,
      messages: records.map(({ origin, reason, detail }) => ({
        key: origin.key,
        value: origin.payload,
        headers: {
          'ledger-reason': reason,
          'ledger-detail': detail,
          'ledger-source-topic': origin.topic ?? '',
          'ledger-source-partition': String(origin.partition ?? ''),
          'ledger-source-offset': origin.offset ?? '',
        },
      })),
    });
  }
}
