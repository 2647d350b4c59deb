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
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { boltOnPurchaseSchema, instantSchema, msisdnSchema, type PurchaseEvent } from '@ledger/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AllowRoles } from '@ledger/app/platform/http/api-key.guard.js';
import { parseRequest } from '@ledger/app/platform/http/common-http.js';
import {
  API_KEY_SCHEME,
  ApiInvalidRequestResponse,
  ApiKeyErrorResponses,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { GetBalanceQuery } from '../application/get-balance.query.js';
import { PurchaseBoltOnCommand } from '../application/purchase-bolt-on.command.js';
import {
  BALANCE_EXAMPLE,
  BalanceDto,
  PURCHASE_EXAMPLE,
  PURCHASE_REJECTED_EXAMPLE,
  PurchaseBoltOnDto,
  PurchaseConflictDto,
  PurchaseDto,
  PurchaseRejectedDto,
} from './bolt-on.dto.js';

const purchaseBody = boltOnPurchaseSchema.omit({ msisdn: true }).strict();
const balanceParams = z.object({ at: instantSchema.optional() }).strict();

export interface PurchaseView {
  purchaseId: string;
  msisdn: string;
  boltOn: string;
  units: number;
  pricePence: number;
  purchasedAt: string;
  expiresAt?: string;
}

@Controller('v1/subscribers/:msisdn')
@AllowRoles(['retail'])
@ApiTags('bolt-ons')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
@ApiParam({ name: 'msisdn', description: 'The subscriber: E.164 digits without "+".', example: '447700900123' })
export class BoltOnsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** 201 new, 200 repeated, 422 rejected (again, when repeated), 409 same purchaseId with other content. */
  @Post('bolt-ons')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Buy a bolt-on for a subscriber',
    description:
      'Roles: retail, admin. Idempotent on purchaseId: the same purchase again gets the first answer again ' +
      '(200, or 422 again); price and units come from the catalogue in force at purchasedAt.',
  })
  @ApiBody({ type: PurchaseBoltOnDto })
  @ApiCreatedResponse({ description: 'The purchase, recorded now.', type: PurchaseDto, example: PURCHASE_EXAMPLE })
  @ApiOkResponse({
    description: 'The same purchase was recorded before: the same body as its 201.',
    type: PurchaseDto,
    example: PURCHASE_EXAMPLE,
  })
  @ApiInvalidRequestResponse(
    'invalid purchase: purchasedAt: must be an RFC 3339 timestamp with an offset, e.g. 2003-04-02T10:15:00Z',
  )
  @ApiConflictResponse({
    description: 'The purchaseId was recorded before with other content; the first stands.',
    type: PurchaseConflictDto,
    example: {
      statusCode: 409,
      reason: 'DUPLICATE_CONFLICT',
      message: 'purchase R-0001 was recorded before with other content; the first stands',
    },
  })
  @ApiUnprocessableEntityResponse({
    description: 'Rejected, with the reason; rejected again when repeated.',
    type: PurchaseRejectedDto,
    example: PURCHASE_REJECTED_EXAMPLE,
  })
  async purchase(
    @Param('msisdn') msisdnParam: string,
    @Body() body: unknown,
    @Req() request: RawBodyRequest<Request>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PurchaseDto> {
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
  @ApiOperation({
    summary: "A subscriber's bolt-ons and units, now or as they stood at an instant",
    description: 'Roles: finance, retail, admin. Every bolt-on of the subscriber, used up or not.',
  })
  @ApiQuery({
    name: 'at',
    required: false,
    type: 'string',
    format: 'date-time',
    description:
      'RFC 3339 instant: purchases with purchasedAt <= at, less the units used by messages with sentAt <= at.',
    example: '2003-04-02T12:00:00Z',
  })
  @ApiOkResponse({ description: 'The balance.', type: BalanceDto, example: BALANCE_EXAMPLE })
  @ApiInvalidRequestResponse('invalid msisdn: (record): must be E.164 digits without "+" (8 to 15 digits)')
  async balance(
    @Param('msisdn') msisdnParam: string,
    @QueryParams() params: Record<string, unknown>,
  ): Promise<BalanceDto> {
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
  const { purchaseId, msisdn, boltOn, units, pricePence, purchasedAt, expiresAt } = event.data;
  const view = { purchaseId, msisdn, boltOn, units, pricePence, purchasedAt };
  return expiresAt === undefined ? view : { ...view, expiresAt };
}
