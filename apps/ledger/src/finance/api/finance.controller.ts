import { Controller, Get, Inject, Param, Query as QueryParams, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AllowRoles } from '../../auth/api-key.guard.js';
import type { Charge } from '../../charges/charge.js';
import { isChargesPosition } from '../../charges/application/get-charges.query.js';
import { parseRequest } from '../../common-http.js';
import { CURSOR_CODEC, type CursorCodec } from '../../cursor.js';
import { GetInterconnectMessagesQuery } from '../application/get-interconnect-messages.query.js';
import {
  GetInterconnectQuery,
  PARTNER_NETWORKS,
  type InterconnectTraffic,
} from '../application/get-interconnect.query.js';
import { GetRevenueQuery, type RevenueFigures } from '../application/get-revenue.query.js';
import { checkDateRange, dateRangeShape, utcDateSchema } from '../utc-days.js';
import { csvReply, interconnectCsv, interconnectMessagesCsv, revenueCsv, wantsCsv } from './finance-csv.js';

const format = z.enum(['json', 'csv']).optional();
const rangeParams = z
  .object({ ...dateRangeShape, format })
  .strict()
  .superRefine(checkDateRange);
const messagesParams = z
  .object({
    date: utcDateSchema,
    direction: z.enum(['outbound', 'inbound']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(2048).optional(),
    format,
  })
  .strict();
const partnerNetwork = z.enum(PARTNER_NETWORKS);

export interface RevenueView {
  days: ({ date: string } & RevenueFigures)[];
  totals: RevenueFigures;
  deferredPence: number;
}

/** SPEC sections 4 and 5 for the finance team: JSON, or CSV on `Accept: text/csv` or `?format=csv`. */
@Controller('v1/finance')
@AllowRoles(['finance'])
export class FinanceController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
  ) {}

  @Get('revenue')
  async revenue(
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RevenueView | string> {
    const { from, to, format } = parseRequest(rangeParams, params, 'query parameters');
    response.vary('Accept');
    const revenue = await this.queries.execute(new GetRevenueQuery(from, to));
    if (wantsCsv(request, format)) return csvReply(response, `revenue-${from}-${to}.csv`, revenueCsv(revenue));
    return {
      days: revenue.days.map(({ date, boltOnSalesPence, paygPence, recognisedBoltOnPence }) => ({
        date,
        boltOnSalesPence,
        paygPence,
        recognisedBoltOnPence,
      })),
      totals: revenue.totals,
      deferredPence: revenue.deferredPence,
    };
  }

  @Get('interconnect')
  async interconnect(
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ networks: InterconnectTraffic[] } | string> {
    const { from, to, format } = parseRequest(rangeParams, params, 'query parameters');
    response.vary('Accept');
    const networks = await this.queries.execute(new GetInterconnectQuery(from, to));
    if (wantsCsv(request, format))
      return csvReply(response, `interconnect-${from}-${to}.csv`, interconnectCsv(networks));
    return { networks };
  }

  /** The charges behind one network's figure on one day: the audit trail from a total to its messages. */
  @Get('interconnect/:network/messages')
  async interconnectMessages(
    @Param('network') networkParam: string,
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ items: Charge[]; nextCursor: string | null } | string> {
    const network = parseRequest(partnerNetwork, networkParam, 'network');
    const { date, direction, limit, cursor, format } = parseRequest(messagesParams, params, 'query parameters');
    const after = cursor ? this.cursors.decode(cursor, isChargesPosition) : null;
    response.vary('Accept');
    const page = await this.queries.execute(
      new GetInterconnectMessagesQuery(network, date, direction ?? null, limit, after),
    );
    const nextCursor = page.next ? this.cursors.encode(page.next) : null;
    if (!wantsCsv(request, format)) return { items: page.items, nextCursor };
    if (nextCursor) response.setHeader('X-Next-Cursor', nextCursor);
    return csvReply(response, `interconnect-${network}-${date}.csv`, interconnectMessagesCsv(page.items));
  }
}
