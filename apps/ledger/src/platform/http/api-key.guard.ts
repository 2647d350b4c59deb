import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { LEDGER_CONFIG, type ApiRole, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';

/** Roles, besides admin, that may call a route. Routes without it are admin-only. */
export const AllowRoles = Reflector.createDecorator<ApiRole[]>();
/** A route that needs no key (health, metrics). */
export const Public = Reflector.createDecorator<true>({ transform: () => true });

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** docs/CONTRACT.md section 5: no key 401, wrong role 403. Keys are compared in constant time and never logged. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: { role: ApiRole; digest: Buffer }[];

  constructor(
    private readonly reflector: Reflector,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
  ) {
    this.keys = config.apiKeys.map(({ role, key }) => ({ role, digest: digest(key) }));
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride(Public, targets)) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('an Authorization: Bearer <key> header is required');
    const presented = digest(match[1]);
    // Compare against every key, without stopping early, so timing says nothing about which matched.
    let role: ApiRole | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, presented) && role === null) role = key.role;
    }
    if (role === null) throw new UnauthorizedException('the API key is not recognised');
    const allowed = this.reflector.getAllAndOverride(AllowRoles, targets) ?? [];
    if (role === 'admin' || allowed.includes(role)) return true;
    throw new ForbiddenException(`the ${role} role may not call ${request.method} ${request.path}`);
  }
}
