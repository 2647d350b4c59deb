import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { instantSchema } from '@ledger/contracts';
import { z } from 'zod';
import { parseRequest } from '@ledger/app/platform/http/common-http.js';
import {
  API_KEY_SCHEME,
  ApiInvalidRequestResponse,
  ApiKeyErrorResponses,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { ReplayRejectionsCommand, type ReplayOutcome } from '../application/replay-rejections.command.js';

const replayBody = z
  .object({
    reason: z.literal('NO_PAYG_PRICE', {
      error: 'must be NO_PAYG_PRICE: only inputs the tariff had no answer for are replayed',
    }),
    from: instantSchema.optional(),
    to: instantSchema.optional(),
  })
  .strict();

export class ReplayRejectionsDto {
  @ApiProperty({ enum: ['NO_PAYG_PRICE'], description: 'The rejections to replay.' })
  reason!: 'NO_PAYG_PRICE';

  @ApiProperty({ required: false, format: 'date-time', description: 'receivedAt at or after this instant.' })
  from?: string;

  @ApiProperty({ required: false, format: 'date-time', description: 'receivedAt before this instant.' })
  to?: string;
}

export class ReplayOutcomeDto implements ReplayOutcome {
  @ApiProperty({ type: 'integer', description: 'Rejections rated again now, and marked replayedAt.', example: 12 })
  replayed!: number;

  @ApiProperty({ type: 'integer', example: 10 })
  charged!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  recorded!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  rejected!: number;

  @ApiProperty({
    type: 'integer',
    description: 'The current tariff has no answer for these either: left unmarked, for a later replay.',
    example: 0,
  })
  stillUnrated!: number;
}

@Controller('v1/rejections')
@ApiTags('corrections')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
export class RejectionsReplayController {
  constructor(private readonly commands: CommandBus) {}

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rate again the inputs the tariff could not rate',
    description:
      'Role: admin. Each NO_PAYG_PRICE rejection (receivedAt within from and to) is rated again under the ' +
      'current tariff, in the order received, as if it arrived now, and marked replayedAt with its outcome; ' +
      'a replayed rejection is never replayed again.',
  })
  @ApiBody({ type: ReplayRejectionsDto })
  @ApiOkResponse({ description: 'What the replay did.', type: ReplayOutcomeDto })
  @ApiInvalidRequestResponse(
    'invalid replay: reason: must be NO_PAYG_PRICE: only inputs the tariff had no answer for are replayed',
  )
  async replay(@Body() body: unknown): Promise<ReplayOutcomeDto> {
    const { reason, from, to } = parseRequest(replayBody, body, 'replay');
    return this.commands.execute(new ReplayRejectionsCommand({ reason, from: from ?? null, to: to ?? null }));
  }
}
