import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IngestBatchService } from './ingest-batch.service.js';
import { RecordSliceCommand } from './record-slice.command.js';

@CommandHandler(RecordSliceCommand)
export class RecordSliceHandler implements ICommandHandler<RecordSliceCommand> {
  constructor(private readonly ingest: IngestBatchService) {}

  execute({ topic, partition, messages }: RecordSliceCommand): Promise<number> {
    return this.ingest.record(topic, partition, messages);
  }
}
