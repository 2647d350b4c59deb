import { Controller, Get, Inject, NotFoundException, Param, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { instantSchema, msisdnSchema } from '@ledger/contracts';
import { z } from 'zod';
import { AllowRoles } from '../../auth/api-key.guard.js';
import { parseRequest } from '../../common-http.js';
import { CURSOR_CODEC, type CursorCodec } from '../../cursor.js';
import type { Charge } from '../charge.js';
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
export class ChargesController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
  ) {}

  @Get('messages/:messageId')
  @AllowRoles(['finance'])
  async message(@Param('messageId') messageId: string): Promise<Charge> {
    parseRequest(z.string().min(1).max(128), messageId, 'messageId');
    const charge = await this.queries.execute(new GetChargeQuery(messageId));
    if (!charge) throw new NotFoundException(`no message ${messageId} has been recorded`);
    return charge;
  }

  @Get('subscribers/:msisdn/charges')
  @AllowRoles(['finance', 'retail'])
  async charges(
    @Param('msisdn') msisdnParam: string,
    @QueryParams() params: Record<string, unknown>,
  ): Promise<{ items: Charge[]; nextCursor: string | null }> {
    const msisdn = parseRequest(msisdnSchema, msisdnParam, 'msisdn');
    const { from, to, limit, cursor } = parseRequest(chargesParams, params, 'query parameters');
    const after = cursor ? this.cursors.decode(cursor, isChargesPosition) : null;
    const page = await this.queries.execute(new GetChargesQuery(msisdn, from ?? null, to ?? null, limit, after));
    return { items: page.items, nextCursor: page.next ? this.cursors.encode(page.next) : null };
  }
}
