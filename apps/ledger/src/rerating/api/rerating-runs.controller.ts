import { Body, Controller, Get, HttpCode, Param, Post, Query as QueryParams } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { instantSchema, msisdnSchema } from '@ledger/contracts';
import { z } from 'zod';
import { parseRequest } from '@ledger/app/platform/http/common-http.js';
import {
  API_KEY_SCHEME,
  ApiInvalidRequestResponse,
  ApiKeyErrorResponses,
  ApiNotFoundErrorResponse,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { ApiErrorDto } from '@ledger/app/platform/http/openapi/api-error.dto.js';
import {
  ApplyReratingRunCommand,
  GetReratingRunQuery,
  ListReratingRunsQuery,
  StartReratingRunCommand,
} from '../application/rerating-run.commands.js';
import { ReratingRunDto, ReratingRunsDto, StartReratingRunDto } from './rerating-run.dto.js';
import { runSummary, runView, type ReratingRunView } from './rerating-run.view.js';

const startBody = z
  .object({
    from: instantSchema,
    subscribers: z
      .array(msisdnSchema)
      .min(1)
      .max(100_000)
      .transform((msisdns) => [...new Set(msisdns)].sort())
      .optional(),
    reason: z.string().trim().min(1, 'must say why the run is made').max(1000),
  })
  .strict();
const runIdParam = z.uuid('must be the runId a dry run answered');
const listParams = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

@Controller('v1/rerating-runs')
@ApiTags('corrections')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
export class ReratingRunsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a rerating run: a dry run of deciding messages again under the current tariff',
    description:
      'Role: admin. For each affected subscriber (those listed, or every one with a message sent at or after ' +
      '`from`), decides again the first message in the ledger order with sentAt >= from and every one recorded ' +
      'after it, re-evolving the bolt-on units; appends nothing and answers the impact.',
  })
  @ApiBody({ type: StartReratingRunDto })
  @ApiCreatedResponse({ description: 'The dry run and its impact.', type: ReratingRunDto })
  @ApiInvalidRequestResponse(
    'invalid rerating run: from: must be an RFC 3339 timestamp with an offset, e.g. 2003-04-02T10:15:00Z',
  )
  @ApiUnprocessableEntityResponse({
    description: 'The current tariff cannot rate one of the messages.',
    type: ApiErrorDto,
  })
  async start(@Body() body: unknown): Promise<ReratingRunView> {
    const { from, subscribers, reason } = parseRequest(startBody, body, 'rerating run');
    const run = await this.commands.execute(
      new StartReratingRunCommand({ from, subscribers: subscribers ?? null, reason }),
    );
    return runView(run);
  }

  @Post(':runId/apply')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply a rerating run',
    description:
      'Role: admin. Decides again on the state at this moment (what arrived since the dry run is included), ' +
      "appends one MessageRerated per changed message to its subscriber's stream and answers the applied " +
      'impact with status APPLIED; applying again changes nothing and answers the same.',
  })
  @ApiParam({ name: 'runId', description: 'The runId the dry run answered.' })
  @ApiOkResponse({ description: 'The applied impact.', type: ReratingRunDto })
  @ApiInvalidRequestResponse('invalid runId: must be the runId a dry run answered')
  @ApiNotFoundErrorResponse('No such run.', 'no rerating run 5b0c…')
  @ApiUnprocessableEntityResponse({
    description: 'The current tariff cannot rate one of the messages.',
    type: ApiErrorDto,
  })
  async apply(@Param('runId') runIdText: string): Promise<ReratingRunView> {
    const runId = parseRequest(runIdParam, runIdText, 'runId');
    return runView(await this.commands.execute(new ApplyReratingRunCommand(runId)));
  }

  @Get()
  @ApiOperation({ summary: 'The rerating runs, newest first', description: 'Role: admin.' })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @ApiOkResponse({ description: 'The runs, without their per-day lines and changes.', type: ReratingRunsDto })
  @ApiInvalidRequestResponse('invalid query parameters: limit: Too big: expected number to be <=1000')
  async list(@QueryParams() params: Record<string, unknown>) {
    const { limit } = parseRequest(listParams, params, 'query parameters');
    const runs = await this.queries.execute(new ListReratingRunsQuery(limit));
    return { items: runs.map(runSummary) };
  }

  @Get(':runId')
  @ApiOperation({ summary: 'One rerating run and its impact', description: 'Role: admin.' })
  @ApiParam({ name: 'runId', description: 'The runId the dry run answered.' })
  @ApiOkResponse({ description: 'The run: the applied impact once applied, else the dry run.', type: ReratingRunDto })
  @ApiInvalidRequestResponse('invalid runId: must be the runId a dry run answered')
  @ApiNotFoundErrorResponse('No such run.', 'no rerating run 5b0c…')
  async get(@Param('runId') runIdText: string): Promise<ReratingRunView> {
    const runId = parseRequest(runIdParam, runIdText, 'runId');
    return runView(await this.queries.execute(new GetReratingRunQuery(runId)));
  }
}
