import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '@ledger/app/platform/http/api-key.guard.js';
import { LedgerHealthIndicators } from './ledger-health.indicators.js';

/** Terminus' body on every answer: `{status, info, error, details}`, one entry per indicator. */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: LedgerHealthIndicators,
  ) {}

  /** docs/CONTRACT.md section 5: 200 once the service is consuming and its database answers, 503 otherwise. */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check(this.indicators.consuming());
  }

  /** Liveness: the process answers; always 200, so an orchestrator restarts only a hung process. */
  @Get('live')
  @HealthCheck()
  live(): HealthCheckResult {
    return this.indicators.live();
  }

  /** Readiness: as /health, and the backlog under HEALTH_MAX_LAG when it is set. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check(this.indicators.ready());
  }
}
