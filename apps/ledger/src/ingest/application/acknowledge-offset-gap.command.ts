import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { OffsetGapsRepository, type OffsetGap } from '../infrastructure/offset-gaps.repository.js';

/** An operator accepts an offset gap: the partition goes on from where its log now starts. Null when none is open. */
export class AcknowledgeOffsetGapCommand extends Command<OffsetGap | null> {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly acknowledgedBy: string,
  ) {
    super();
  }
}

@CommandHandler(AcknowledgeOffsetGapCommand)
export class AcknowledgeOffsetGapHandler implements ICommandHandler<AcknowledgeOffsetGapCommand> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly gaps: OffsetGapsRepository,
  ) {}

  execute({ topic, partition, acknowledgedBy }: AcknowledgeOffsetGapCommand): Promise<OffsetGap | null> {
    return this.gaps.acknowledge(this.pool, topic, partition, acknowledgedBy);
  }
}
