import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query as QueryParams,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
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
import { GetRejectionPayloadQuery } from '@ledger/app/rejections/application/get-rejection-payload.query.js';
import { GetRejectionsQuery } from '@ledger/app/rejections/application/get-rejections.query.js';
import type { RejectionView } from '@ledger/app/rejections/read-model/rejections.repository.js';
import { AcknowledgeOffsetGapCommand } from '../application/acknowledge-offset-gap.command.js';
import { GetIngestPositionsQuery } from '../application/get-ingest-positions.query.js';
import {
  INGEST_POSITIONS_EXAMPLE,
  IngestPositionsDto,
  OFFSET_GAP_EXAMPLE,
  OffsetGapDto,
  REJECTIONS_PAGE_EXAMPLE,
  RejectionsPageDto,
} from './ingest.dto.js';

const pageParams = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

/**
 * What one page of rejections may weigh, whatever limit is asked for: previews keep each item
 * small, and the page ends early (with a cursor) once this much is listed.
 */
export const REJECTIONS_PAGE_BYTES = 1024 * 1024;
/** Room kept for the page's envelope and cursor. */
const PAGE_ENVELOPE_BYTES = 1024;

const rejectionIdParam = z.string().regex(/^[1-9]\d{0,18}$/, 'must be a rejection id: a positive integer');

const offsetGapBody = z
  .object({
    topic: z
      .string()
      .min(1)
      .max(249)
      .regex(/^[a-zA-Z0-9._-]+$/, 'must be a Kafka topic name'),
    partition: z.number().int().min(0).max(1_000_000),
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
    private readonly commands: CommandBus,
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
    const items = withinBytes(rows.slice(0, limit), REJECTIONS_PAGE_BYTES - PAGE_ENVELOPE_BYTES);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > items.length && last ? this.cursors.encode({ id: last.id }) : null };
  }

  @Get('rejections/:id/payload')
  @ApiOperation({
    summary: 'The whole raw payload of one rejection, byte for byte',
    description: 'Roles: finance, admin. The list shows a preview of each payload; this gives all of it.',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The raw bytes, as received.', schema: { type: 'string', format: 'binary' } })
  @ApiInvalidRequestResponse('invalid id: (record): must be a rejection id: a positive integer')
  @ApiNotFoundErrorResponse('No rejection has this id.', 'no rejection 42')
  async payload(@Param('id') idParam: string): Promise<StreamableFile> {
    const id = BigInt(parseRequest(rejectionIdParam, idParam, 'id'));
    const payload = await this.queries.execute(new GetRejectionPayloadQuery(id));
    if (payload === null) throw new NotFoundException(`no rejection ${id}`);
    return new StreamableFile(payload, { type: 'application/octet-stream', length: payload.length });
  }

  @Post('ingest/offset-gaps/acknowledge')
  @AllowRoles([])
  @HttpCode(200)
  @ApiOperation({
    summary: "Accept a partition's offset gap: consumption goes on from where its log now starts",
    description:
      'Roles: admin. The records between expectedOffset and foundOffset are gone from Kafka; the ledger never read them.',
  })
  @ApiOkResponse({ description: 'The gap, now acknowledged.', type: OffsetGapDto, example: OFFSET_GAP_EXAMPLE })
  @ApiInvalidRequestResponse('invalid body: partition: Invalid input: expected number, received undefined')
  @ApiNotFoundErrorResponse('The partition has no open gap.', 'network.message-sent.v1[0] has no open offset gap')
  async acknowledgeGap(@Body() body: unknown): Promise<OffsetGapDto> {
    const { topic, partition } = parseRequest(offsetGapBody, body, 'body');
    const gap = await this.commands.execute(new AcknowledgeOffsetGapCommand(topic, partition, 'api'));
    if (!gap) throw new NotFoundException(`${topic}[${partition}] has no open offset gap`);
    return gap;
  }
}

/** The first items whose JSON adds up to at most `budget` bytes; always at least one. */
function withinBytes(items: readonly RejectionView[], budget: number): RejectionView[] {
  const kept: RejectionView[] = [];
  let bytes = 0;
  for (const item of items) {
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (kept.length > 0 && bytes > budget) break;
    kept.push(item);
  }
  return kept;
}
