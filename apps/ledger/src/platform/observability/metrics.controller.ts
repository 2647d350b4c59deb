import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@ledger/app/platform/http/api-key.guard.js';
import { LedgerMetrics } from './ledger-metrics.js';

/** Prometheus scrapes this without a key: it names no subscriber, only counts and positions. */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: LedgerMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async metricsText(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.metrics.contentType);
    return this.metrics.render();
  }
}
