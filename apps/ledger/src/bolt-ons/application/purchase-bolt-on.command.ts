import { Command } from '@nestjs/cqrs';
import type { BoltOnPurchase } from '@ledger/contracts';
import type { Decision } from '@ledger/app/rating/application/ledger-writer.service.js';

/** A purchase through the API: one command, rated like one from the retail topic. */
export class PurchaseBoltOnCommand extends Command<Decision> {
  constructor(
    readonly purchase: BoltOnPurchase,
    readonly rawBody: Buffer,
  ) {
    super();
  }
}
