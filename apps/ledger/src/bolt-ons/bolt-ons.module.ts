import { Module } from '@nestjs/common';
import { RatingModule } from '@ledger/app/rating/rating.module.js';
import { BoltOnsController } from './api/bolt-ons.controller.js';
import { GetBalanceHandler } from './application/get-balance.query.js';
import { PurchaseBoltOnHandler } from './application/purchase-bolt-on.handler.js';

const controllers = [BoltOnsController];
const queryHandlers = [GetBalanceHandler];
const commandHandlers = [PurchaseBoltOnHandler];

/** Bolt-ons: purchases through the writer, and balances from the bolt_ons read model. */
@Module({ imports: [RatingModule], controllers, providers: [...queryHandlers, ...commandHandlers] })
export class BoltOnsModule {}
