import { Controller, Get, HttpCode, Inject, Param, Post, Query as QueryParams, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AllowRoles } from '@ledger/app/platform/http/api-key.guard.js';
import { ChargesPageDto } from '@ledger/app/charges/api/charge.dto.js';
import { isChargesPosition } from '@ledger/app/charges/application/get-charges.query.js';
import { parseRequest } from '@ledger/app/platform/http/common-http.js';
import { CURSOR_CODEC, type CursorCodec } from '@ledger/app/platform/http/cursor.js';
import {
  API_KEY_SCHEME,
  ApiDateRangeQueries,
  ApiInvalidRequestResponse,
  ApiJsonOrCsvOkResponse,
  ApiKeyErrorResponses,
  ApiPageQueries,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { GetInterconnectMessagesQuery } from '../application/get-interconnect-messages.query.js';
import { GetInterconnectQuery, PARTNER_NETWORKS } from '../application/get-interconnect.query.js';
import { GetRevenueQuery } from '../application/get-revenue.query.js';
import { ClosePeriodCommand, GetPeriodsQuery } from '../application/periods.js';
import { isPeriod, nextPeriod, startOfPeriod } from '../domain/postings.js';
import { checkDateRange, dateRangeShape, utcDateSchema } from '@ledger/app/platform/http/utc-days.js';
import { csvReply, interconnectCsv, interconnectMessagesCsv, periodsCsv, revenueCsv, wantsCsv } from './finance-csv.js';
import {
  INTERCONNECT_CSV_EXAMPLE,
  INTERCONNECT_EXAMPLE,
  INTERCONNECT_MESSAGES_CSV_EXAMPLE,
  INTERCONNECT_MESSAGES_EXAMPLE,
  InterconnectDto,
  REVENUE_CSV_EXAMPLE,
  REVENUE_EXAMPLE,
  PERIODS_CSV_EXAMPLE,
  PERIODS_EXAMPLE,
  PeriodDto,
  PeriodsDto,
  RevenueDto,
  revenueDayView,
} from './finance.dto.js';

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
const periodsParams = z.object({ format }).strict();
// Only a month that has ended can be closed: its days can no longer gain figures of their own.
const periodParam = z
  .string()
  .refine(isPeriod, { error: 'must be a month written YYYY-MM, e.g. 2003-04', abort: true })
  .refine((period) => Date.parse(startOfPeriod(nextPeriod(period))) <= Date.now(), 'has not ended yet');

/** docs/CONTRACT.md sections 4 and 5 for the finance team: JSON, or CSV on `Accept: text/csv` or `?format=csv`. */
@Controller('v1/finance')
@AllowRoles(['finance'])
@ApiTags('finance')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
export class FinanceController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    @Inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
  ) {}

  @Get('revenue')
  @ApiOperation({
    summary: 'Revenue per UTC day: bolt-on sales, PAYG, recognised bolt-on revenue, breakage, and deferred revenue',
    description:
      'Roles: finance, admin. docs/CONTRACT.md sections 4, 9 and 10, as posted: a change to a closed month is on the first day ' +
      'of the earliest open month, listed in its adjustments. deferredPence is as at the end of `to`; in CSV, each day carries ' +
      'its own deferred balance, one row per adjustment follows its day, and a final total row.',
  })
  @ApiDateRangeQueries()
  @ApiJsonOrCsvOkResponse({
    description: 'The revenue of each day of the range, and totals.',
    type: RevenueDto,
    example: REVENUE_EXAMPLE,
    csvExample: REVENUE_CSV_EXAMPLE,
  })
  @ApiInvalidRequestResponse('invalid query parameters: to: must not be before from (2003-04-02)')
  async revenue(
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RevenueDto | string> {
    const { from, to, format } = parseRequest(rangeParams, params, 'query parameters');
    response.vary('Accept');
    const revenue = await this.queries.execute(new GetRevenueQuery(from, to));
    if (wantsCsv(request, format)) return csvReply(response, `revenue-${from}-${to}.csv`, revenueCsv(revenue));
    return {
      days: revenue.days.map(revenueDayView),
      totals: revenue.totals,
      deferredPence: revenue.deferredPence,
    };
  }

  @Get('periods')
  @ApiOperation({
    summary: 'Accounting periods: every month with activity, open or closed, with its totals',
    description:
      'Roles: finance, admin. docs/CONTRACT.md section 9. A closed month is final: its totals are as they stood at close; ' +
      'later changes to it are prior-period adjustments on the first day of the earliest open month.',
  })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: ['json', 'csv'],
    description: 'csv: the same as Accept: text/csv.',
  })
  @ApiJsonOrCsvOkResponse({
    description: 'Every month with activity, oldest first.',
    type: PeriodsDto,
    example: PERIODS_EXAMPLE,
    csvExample: PERIODS_CSV_EXAMPLE,
  })
  @ApiInvalidRequestResponse('invalid query parameters: format: Invalid option: expected one of "json"|"csv"')
  async periods(
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PeriodsDto | string> {
    const { format } = parseRequest(periodsParams, params, 'query parameters');
    response.vary('Accept');
    const periods = await this.queries.execute(new GetPeriodsQuery());
    if (wantsCsv(request, format)) return csvReply(response, 'periods.csv', periodsCsv(periods));
    return { periods };
  }

  @Post('periods/:period/close')
  @AllowRoles([])
  @HttpCode(200)
  @ApiOperation({
    summary: 'Close a month and every earlier open one (admin)',
    description:
      'Roles: admin. docs/CONTRACT.md section 9. Final; closing a closed month again changes nothing and answers the same. ' +
      'A month that has not ended, or that is not YYYY-MM, is refused with 400.',
  })
  @ApiParam({ name: 'period', description: 'A UTC calendar month, YYYY-MM, that has ended.', example: '2003-04' })
  @ApiOkResponse({
    description: 'The month as it stands closed.',
    type: PeriodDto,
    example: PERIODS_EXAMPLE.periods[0],
  })
  @ApiInvalidRequestResponse('invalid period: has not ended yet')
  async closePeriod(@Param('period') periodText: string): Promise<PeriodDto> {
    const period = parseRequest(periodParam, periodText, 'period');
    return this.commands.execute(new ClosePeriodCommand(period));
  }

  @Get('interconnect')
  @ApiOperation({
    summary: 'Interconnect message counts per partner network over a range of days',
    description:
      'Roles: finance, admin. Outbound is what was CHARGED to the network, inbound what was RECORDED from it.',
  })
  @ApiDateRangeQueries()
  @ApiJsonOrCsvOkResponse({
    description: 'One row per partner network, totals over the range.',
    type: InterconnectDto,
    example: INTERCONNECT_EXAMPLE,
    csvExample: INTERCONNECT_CSV_EXAMPLE,
  })
  @ApiInvalidRequestResponse('invalid query parameters: from: must be a date written YYYY-MM-DD, e.g. 2003-04-01')
  async interconnect(
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InterconnectDto | string> {
    const { from, to, format } = parseRequest(rangeParams, params, 'query parameters');
    response.vary('Accept');
    const networks = await this.queries.execute(new GetInterconnectQuery(from, to));
    if (wantsCsv(request, format))
      return csvReply(response, `interconnect-${from}-${to}.csv`, interconnectCsv(networks));
    return { networks };
  }

  /** The charges behind one network's figure on one day: the audit trail from a total to its messages. */
  @Get('interconnect/:network/messages')
  @ApiOperation({
    summary: "The charges behind one partner network's interconnect figures on one UTC day",
    description:
      'Roles: finance, admin. Oldest sentAt first, keyset-paged; in CSV, the next cursor is in X-Next-Cursor.',
  })
  @ApiParam({ name: 'network', enum: PARTNER_NETWORKS, description: 'A partner network: any but O2-UK.' })
  @ApiQuery({
    name: 'date',
    type: 'string',
    format: 'date',
    description: 'A UTC day, YYYY-MM-DD.',
    example: '2003-04-02',
  })
  @ApiQuery({
    name: 'direction',
    required: false,
    enum: ['outbound', 'inbound'],
    description: 'outbound: CHARGED to the network; inbound: RECORDED from it; both when absent.',
  })
  @ApiPageQueries('Charges')
  @ApiJsonOrCsvOkResponse({
    description: 'One page of charges.',
    type: ChargesPageDto,
    example: INTERCONNECT_MESSAGES_EXAMPLE,
    csvExample: INTERCONNECT_MESSAGES_CSV_EXAMPLE,
    csvHeaders: {
      'X-Next-Cursor': {
        description: 'With CSV only, when there is a next page: pass it back as cursor.',
        schema: { type: 'string' },
      },
    },
  })
  @ApiInvalidRequestResponse(
    'invalid network: (record): Invalid option: expected one of "VODAFONE-UK"|"ORANGE-UK"|"TMOBILE-UK"|"THREE-UK"|"OTHER"',
  )
  async interconnectMessages(
    @Param('network') networkParam: string,
    @QueryParams() params: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ChargesPageDto | string> {
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
