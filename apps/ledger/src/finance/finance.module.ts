import { Module } from '@nestjs/common';
import { FinanceController } from './api/finance.controller.js';
import { GetInterconnectMessagesHandler } from './application/get-interconnect-messages.query.js';
import { GetInterconnectHandler } from './application/get-interconnect.query.js';
import { GetRevenueHandler } from './application/get-revenue.query.js';
import { ClosePeriodHandler, GetPeriodsHandler } from './application/periods.js';

const controllers = [FinanceController];
const queryHandlers = [GetRevenueHandler, GetInterconnectHandler, GetInterconnectMessagesHandler, GetPeriodsHandler];
const commandHandlers = [ClosePeriodHandler];

/** Finance: revenue, breakage, deferred revenue and interconnect figures as posted, and accounting periods. */
@Module({ controllers, providers: [...queryHandlers, ...commandHandlers] })
export class FinanceModule {}
