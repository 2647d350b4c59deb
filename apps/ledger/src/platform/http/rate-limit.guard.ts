import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { Public } from './api-key.guard.js';
import { RateLimiter } from './rate-limiter.js';

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * API_RATE_LIMIT calls per API_RATE_LIMIT_WINDOW_SECONDS for each key, past which 429 with
 * Retry-After; a call without a valid key counts against its address, so guessing keys is limited
 * too. It runs before the key guard. Routes without a key (health, metrics, dashboard) are not
 * limited. The count is per instance.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly keys: Set<string>;
  private readonly limiter: RateLimiter | undefined;

  constructor(
    private readonly reflector: Reflector,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
  ) {
    this.keys = new Set(config.apiKeys.map(({ key }) => digest(key)));
    const { rateLimit, rateLimitWindowSeconds } = config.http;
    this.limiter = rateLimit > 0 ? new RateLimiter(rateLimit, rateLimitWindowSeconds * 1000) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.limiter) return true;
    if (this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const decision = this.limiter.hit(this.trackerOf(http.getRequest<Request>()), Date.now());
    if (decision.allowed) return true;
    http.getResponse<Response>().setHeader('Retry-After', String(decision.retryAfterSeconds));
    throw new HttpException(
      `too many calls for this key: try again in ${decision.retryAfterSeconds} s (Retry-After)`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private trackerOf(request: Request): string {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const presented = match ? digest(match[1]) : undefined;
    if (presented && this.keys.has(presented)) return `key:${presented}`;
    return `address:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
  }
}
