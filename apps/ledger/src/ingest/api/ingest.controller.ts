import { Controller, Get, Inject, Query as QueryParams } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { z } from 'zod';
import { AllowRoles } from '@ledger/app/platform/http/api-key.guard.js';
import { parseRequest } from '@ledger/app/platform/http/common-http.js';
import { CURSOR_CODEC, type CursorCodec } from '@ledger/app/platform/http/cursor.js';
import {
  API_KEY_SCHEME,
  ApiInvalidRequestResponse,
  ApiKeyErrorResponses,
  ApiPageQueries,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { GetRejectionsQuery } from '@ledger/app/rejections/application/get-rejections.query.js';
import { GetIngestPositionsQuery } from '../application/get-ingest-positions.query.js';
import {
  INGEST_POSITIONS_EXAMPLE,
  IngestPositionsDto,
  REJECTIONS_PAGE_EXAMPLE,
  RejectionsPageDto,
} from './ingest.dto.js';

const pageParams = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

const isRejectionPosition = (value: unknown): value is { id: string } =>
  typeof value === 'object' && value !== null && /^\d{1,19}$/.test(String((value as { id?: unknown }).id));

@Controller('v1')
@AllowRoles(['finance'])
@ApiTags('ingest')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
export class IngestController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
  ) {}

  @Get('ingest')
  @ApiOperation({
    summary: 'Where consumption of the input topics stands',
    description: 'Roles: finance, admin. nextOffset is what the ledger has durably recorded.',
  })
  @ApiOkResponse({
    description: 'One entry per input partition.',
    type: IngestPositionsDto,
    example: INGEST_POSITIONS_EXAMPLE,
  })
  async ingest(): Promise<IngestPositionsDto> {
    return { partitions: await this.queries.execute(new GetIngestPositionsQuery()) };
  }

  @Get('rejections')
  @ApiOperation({
    summary: 'Every input that was rejected or could not be read, in the order recorded',
    description: 'Roles: finance, admin. Kafka records and API calls alike, with their raw payload.',
  })
  @ApiPageQueries('Rejections')
  @ApiOkResponse({ description: 'One page of rejections.', type: RejectionsPageDto, example: REJECTIONS_PAGE_EXAMPLE })
  @ApiInvalidRequestResponse('invalid query parameters: limit: Too small: expected number to be >=1')
  async list(@QueryParams() params: Record<string, unknown>): Promise<RejectionsPageDto> {
    const { limit, cursor } = parseRequest(pageParams, params, 'query parameters');
    const after = cursor ? BigInt(this.cursors.decode(cursor, isRejectionPosition).id) : 0n;
    const rows = await this.queries.execute(new GetRejectionsQuery(after, limit + 1));
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? this.cursors.encode({ id: last.id }) : null };
  }
}
