import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TariffError } from '@ledger/rating';
import type { Response } from 'express';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { AllowRoles } from '@ledger/app/platform/http/api-key.guard.js';
import {
  API_KEY_SCHEME,
  ApiInvalidRequestResponse,
  ApiKeyErrorResponses,
} from '@ledger/app/platform/http/openapi/api-docs.decorators.js';
import { TariffVersions } from '../tariff/tariff-versions.js';
import { CurrentTariffDto, TariffVersionDto, TariffVersionsDto } from './tariff.dto.js';

@Controller('v1/tariff')
@ApiTags('tariff')
@ApiBearerAuth(API_KEY_SCHEME)
@ApiKeyErrorResponses()
export class TariffController {
  constructor(
    private readonly versions: TariffVersions,
    @Inject(API_PG_POOL) private readonly apiPool: Pool,
  ) {}

  @Get()
  @AllowRoles(['finance', 'retail'])
  @ApiOperation({
    summary: 'The tariff in force now',
    description: 'Roles: every role. The newest stored version: what every instance rates the next input with.',
  })
  @ApiOkResponse({ description: 'The current version and its document.', type: CurrentTariffDto })
  async current(): Promise<CurrentTariffDto> {
    const { version, createdAt, document } = await this.versions.current(this.apiPool);
    return { version, createdAt, tariff: document as Record<string, unknown> };
  }

  @Get('versions')
  @AllowRoles(['finance', 'retail'])
  @ApiOperation({
    summary: 'Every tariff version the ledger has rated with, oldest first',
    description: 'Roles: every role.',
  })
  @ApiOkResponse({ description: 'The versions, numbered from 1.', type: TariffVersionsDto })
  async list(): Promise<TariffVersionsDto> {
    return { versions: await this.versions.list(this.apiPool) };
  }

  /** 201 a new version; 200 with the current one when the document is the same as it. */
  @Post('versions')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Store a tariff document as the next version',
    description:
      'Role: admin. Validated as TARIFF_FILE is; in force for every input rated after it is stored, on every ' +
      'instance within 5 seconds. The same document as the current version stores nothing and answers 200.',
  })
  @ApiBody({
    description: 'A tariff document, as libs/rating/src/tariff/default-tariff.json.',
    schema: { type: 'object' },
  })
  @ApiCreatedResponse({ description: 'Stored as the next version.', type: TariffVersionDto })
  @ApiOkResponse({ description: 'The same as the current version: nothing stored.', type: TariffVersionDto })
  @ApiInvalidRequestResponse('invalid tariff: paygPrices: has no MMS price')
  async store(@Body() body: unknown, @Res({ passthrough: true }) response: Response): Promise<TariffVersionDto> {
    try {
      const { version, stored } = await this.versions.store(body);
      if (!stored) response.status(200);
      return version;
    } catch (error) {
      if (error instanceof TariffError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
