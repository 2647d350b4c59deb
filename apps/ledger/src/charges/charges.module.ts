import { Module } from '@nestjs/common';
import { ChargesController } from './api/charges.controller.js';
import { GetChargeHandler } from './application/get-charge.query.js';
import { GetChargesHandler } from './application/get-charges.query.js';

const controllers = [ChargesController];
const queryHandlers = [GetChargeHandler, GetChargesHandler];

/** Charges: the rated messages read model and its API. */
@Module({ controllers, providers: queryHandlers })
export class ChargesModule {}
