import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query as QueryParams,
  Req,
  Res,
  UnprocessableEntityException,
  type RawBodyRequest,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { boltOnPurchaseSchema, instantSchema, msisdnSchema, type PurchaseEvent } from '@ledger/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AllowRoles } from '../../auth/api-key.guard.js';
import { parseRequest } from '../../common-http.js';
import { GetBalanceQuery, type Balance } from '../application/get-balance.query.js';
import { PurchaseBoltOnCommand } from '../application/purchase-bolt-on.command.js';

const purchaseBody = boltOnPurchaseSchema.omit({ msisdn: true }).strict();
const balanceParams = z.object({ at: instantSchema.optional() }).strict();

export interface PurchaseView {
  purchaseId: string;
  msisdn: string;
  boltOn: string;
  units: number;
  pricePence: number;
  purchasedAt: string;
}

@Controller('v1/subscribers/:msisdn')
@AllowRoles(['retail'])
export class BoltOnsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** 201 new, 200 repeated, 422 rejected (again, when repeated), 409 same purchaseId with other content. */
  @Post('bolt-ons')
  @HttpCode(201)
  async purchase(
    @Param('msisdn') msisdnParam: string,
    @Body() body: unknown,
    @Req() request: RawBodyRequest<Request>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PurchaseView> {
    const msisdn = parseRequest(msisdnSchema, msisdnParam, 'msisdn');
    const purchase = { ...parseRequest(purchaseBody, body, 'purchase'), msisdn };
    const raw = request.rawBody ?? Buffer.from(JSON.stringify(body));
    const decision = await this.commands.execute(new PurchaseBoltOnCommand(purchase, raw));
    switch (decision.outcome) {
      case 'conflict':
        throw new ConflictException({
          statusCode: 409,
          reason: decision.reason,
          message: `purchase ${purchase.purchaseId} was recorded before with other content; the first stands`,
        });
      case 'unrated':
        throw new UnprocessableEntityException({ statusCode: 422, reason: decision.reason, message: decision.detail });
      case 'repeat':
        response.status(decision.first.type === 'BoltOnPurchased' ? 200 : 422);
        return answer(decision.first as PurchaseEvent);
      case 'new':
        return answer(decision.events[0] as PurchaseEvent);
    }
  }

  @Get('balance')
  @AllowRoles(['finance', 'retail'])
  async balance(@Param('msisdn') msisdnParam: string, @QueryParams() params: Record<string, unknown>): Promise<Balance> {
    const msisdn = parseRequest(msisdnSchema, msisdnParam, 'msisdn');
    const { at } = parseRequest(balanceParams, params, 'query parameters');
    return this.queries.execute(new GetBalanceQuery(msisdn, at ?? null));
  }
}

function answer(event: PurchaseEvent): PurchaseView {
  if (event.type === 'BoltOnPurchaseRejected') {
    const { purchaseId, msisdn, boltOn, purchasedAt, reason } = event.data;
    throw new UnprocessableEntityException({
      statusCode: 422,
      reason,
      message: `bolt-on ${boltOn} is not available at ${purchasedAt}`,
      purchase: { purchaseId, msisdn, boltOn, purchasedAt },
    });
  }
  const { purchaseId, msisdn, boltOn, units, pricePence, purchasedAt } = event.data;
  return { purchaseId, msisdn, boltOn, units, pricePence, purchasedAt };
}
