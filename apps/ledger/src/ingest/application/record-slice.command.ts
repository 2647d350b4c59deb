import { Command } from '@nestjs/cqrs';
import type { KafkaMessage } from '@ledger/app/platform/kafka/kafka.js';

/** One slice of a partition from the consumer: one command per slice, not per message; answers the count recorded. */
export class RecordSliceCommand extends Command<number> {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly messages: readonly KafkaMessage[],
  ) {
    super();
  }
}
