import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Decision } from '@ledger/app/rating/application/ledger-writer.service.js';
import { inPlannedTransaction, type Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerWriter } from '@ledger/app/rating/application/ledger-writer.service.js';
import { retryOnConflict } from '@ledger/app/rating/application/retry-on-conflict.js';
import { PurchaseBoltOnCommand } from './purchase-bolt-on.command.js';

@CommandHandler(PurchaseBoltOnCommand)
export class PurchaseBoltOnHandler implements ICommandHandler<PurchaseBoltOnCommand> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly writer: LedgerWriter,
  ) {}

  async execute({ purchase, rawBody }: PurchaseBoltOnCommand): Promise<Decision> {
    const origin = {
      source: 'api',
      topic: null,
      partition: null,
      offset: null,
      key: Buffer.from(purchase.msisdn),
      payload: rawBody,
    } as const;
    const [decision] = await retryOnConflict(() =>
      inPlannedTransaction(this.pool, 'keyed', (client) =>
        this.writer.rate(client, [{ command: { type: 'PurchaseBoltOn', purchase }, origin }]),
      ),
    );
    return decision;
  }
}
