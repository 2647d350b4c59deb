import { Controller, Get, Inject, NotFoundException, Param, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { instantSchema, keepableText, msisdnSchema } from '@ledger/contracts';
import { z } from 'zod';
import { AllowRoles } from '@ledger/app/platform/http/api-key.guard.js';
import { parseRequest } from '@ledger/app/platform/http/common-http.js';
import { CURSOR_CODEC, type CursorCodec } from '@ledger/app/platform/http/cursor.js';
import {
  API_KEY_SCHEME,
  ApiInvalidRequestResponse,
  ApiKeyErrorResponses,
  ApiNotFoundErrorResponse,
  ApiPageQueries,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { CHARGE_EXAMPLE, CHARGES_PAGE_EXAMPLE, ChargeDto, ChargesPageDto } from './charge.dto.js';
import { GetChargeQuery } from '../application/get-charge.query.js';
import { GetChargesQuery, isChargesPosition } from '../application/get-charges.query.js';

const chargesParams = z
  .object({
    from: instantSchema.optional(),
    to: instantSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

@Controller('v1')
@ApiTags('charges')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
export class ChargesController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
  ) {}

  @Get('messages/:messageId')
  @AllowRoles(['finance'])
  @ApiOperation({ summary: 'One message and how it was rated', description: 'Roles: finance, admin.' })
  @ApiParam({
    name: 'messageId',
    description: 'The id the network gave the message (1 to 128 characters).',
    example: 'MMSC1-20030402-000017',
  })
  @ApiOkResponse({ description: 'The charge.', type: ChargeDto, example: CHARGE_EXAMPLE })
  @ApiInvalidRequestResponse('invalid messageId: (record): Too big: expected string to have <=128 characters')
  @ApiNotFoundErrorResponse(
    'No message with this id has been recorded.',
    'no message MMSC1-20030402-000017 has been recorded',
  )
  async message(@Param('messageId') messageId: string): Promise<ChargeDto> {
    parseRequest(keepableText().min(1).max(128), messageId, 'messageId');
    const charge = await this.queries.execute(new GetChargeQuery(messageId));
    if (!charge) throw new NotFoundException(`no message ${messageId} has been recorded`);
    return charge;
  }

  @Get('subscribers/:msisdn/charges')
  @AllowRoles(['finance', 'retail'])
  @ApiOperation({
    summary: 'The messages a subscriber sent, oldest sentAt first',
    description: 'Roles: finance, retail, admin. Keyset-paged: pass nextCursor back as cursor.',
  })
  @ApiParam({ name: 'msisdn', description: 'The sender: E.164 digits without "+".', example: '447700900123' })
  @ApiQuery({
    name: 'from',
    required: false,
    type: 'string',
    format: 'date-time',
    description: 'RFC 3339 instant, inclusive.',
    example: '2003-04-01T00:00:00Z',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    type: 'string',
    format: 'date-time',
    description: 'RFC 3339 instant, exclusive.',
    example: '2003-05-01T00:00:00Z',
  })
  @ApiPageQueries('Charges')
  @ApiOkResponse({ description: 'One page of charges.', type: ChargesPageDto, example: CHARGES_PAGE_EXAMPLE })
  @ApiInvalidRequestResponse(
    'invalid query parameters: from: must be an RFC 3339 timestamp with an offset, e.g. 2003-04-02T10:15:00Z',
  )
  async charges(
    @Param('msisdn') msisdnParam: string,
    @QueryParams() params: Record<string, unknown>,
  ): Promise<ChargesPageDto> {
    const msisdn = parseRequest(msisdnSchema, msisdnParam, 'msisdn');
    const { from, to, limit, cursor } = parseRequest(chargesParams, params, 'query parameters');
    const after = cursor ? this.cursors.decode(cursor, isChargesPosition) : null;
    const page = await this.queries.execute(new GetChargesQuery(msisdn, from ?? null, to ?? null, limit, after));
    return { items: page.items, nextCursor: page.next ? this.cursors.encode(page.next) : null };
  }
}
