import { Module } from '@nestjs/common';
import { FinanceController } from './api/finance.controller.js';
import { GetInterconnectMessagesHandler } from './application/get-interconnect-messages.query.js';
import { GetInterconnectHandler } from './application/get-interconnect.query.js';
import { GetRevenueHandler } from './application/get-revenue.query.js';

const controllers = [FinanceController];
const queryHandlers = [GetRevenueHandler, GetInterconnectHandler, GetInterconnectMessagesHandler];

/** Finance: revenue, deferred revenue and interconnect figures over the read models. */
@Module({ controllers, providers: queryHandlers })
export class FinanceModule {}
