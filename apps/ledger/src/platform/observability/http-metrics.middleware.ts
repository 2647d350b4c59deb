import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { LedgerMetrics } from './ledger-metrics.js';

/** The label of a request that matched no route: never the raw path, which may carry an MSISDN. */
export const UNMATCHED_ROUTE = 'unmatched';
/** Where this middleware (and Nest's other catch-all middleware) is mounted; Express reports it as the route when no other matched. */
export const EVERY_ROUTE = '{/*splat}';

/** The route pattern Express matched (`/v1/subscribers/:msisdn/balance`), read once the answer is sent. */
export function routeOf(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && path !== EVERY_ROUTE ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}

/** Counts and times every HTTP request by method, route pattern and status. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: LedgerMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.httpRequestAnswered(request.method, routeOf(request), response.statusCode, seconds);
    });
    next();
  }
}
