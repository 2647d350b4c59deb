import { createHash } from 'node:crypto';
import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerStorage,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { Public } from './api-key.guard.js';

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * API_RATE_LIMIT calls per API_RATE_LIMIT_WINDOW_SECONDS for each key; a call without a valid key
 * counts against its address, so guessing keys is limited too. It runs before the key guard.
 * Routes without a key (health, metrics, dashboard) are not limited. The count is per instance.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly keys: Set<string>;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {
    super(options, storage, reflector);
    this.keys = new Set(config.apiKeys.map(({ key }) => digest(key)));
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    return Promise.resolve(
      this.config.http.rateLimit === 0 || this.reflector.getAllAndOverride(Public, targets) === true,
    );
  }

  /** One bucket per tracker across every route: the default would count each route apart. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const { headers, ip, socket } = request as unknown as Request;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    const presented = match ? digest(match[1]) : undefined;
    if (presented && this.keys.has(presented)) return Promise.resolve(`key:${presented}`);
    return Promise.resolve(`address:${ip ?? socket.remoteAddress ?? 'unknown'}`);
  }
}
