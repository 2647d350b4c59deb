import { createHash, timingSafeEqual } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Routes the HTTP adapter serves outside Nest's guards (Swagger) or that name no subscriber (metrics). */
const OPS_PATHS = ['/docs', '/metrics'];
/** Subscribers, messages, rejections and finance figures: no shared or browser cache may keep them. */
const PRIVATE_PATHS = ['/v1'];

/**
 * What every answer gets before Nest routes it: helmet's headers (and no X-Powered-By), body
 * parsers with a size limit that answer 413 as JSON, and, when asked, a key for /docs and /metrics.
 * Call before setupOpenApi and listen.
 */
export function configureHttpEdge(app: NestExpressApplication, config: LedgerConfig): void {
  app.disable('x-powered-by');
  app.use(helmet({ hsts: { maxAge: 31_536_000, includeSubDomains: true } }));
  app.useBodyParser('json', { limit: config.http.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimitBytes, extended: false });
  app.use(bodyErrorsAsJson);
  app.use(PRIVATE_PATHS, noStore);
  if (config.http.opsNeedKey) app.use(OPS_PATHS, requireAnyKey(config));
}

function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}

/** body-parser's errors (too large, bad JSON, bad charset) carry a 4xx status: answer it as the API does. */
function bodyErrorsAsJson(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return next(error);
  const message =
    status === 413
      ? 'the request body is larger than the service accepts (HTTP_BODY_LIMIT_BYTES)'
      : 'the request body cannot be read as JSON';
  response
    .status(status)
    .json({ statusCode: status, message, error: status === 413 ? 'Payload Too Large' : 'Bad Request' });
}

function requireAnyKey(config: LedgerConfig) {
  const keys = config.apiKeys.map(({ key }) => digest(key));
  return (request: Request, response: Response, next: NextFunction): void => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const presented = match ? digest(match[1]) : undefined;
    let known = false;
    // Every key is compared, without stopping early, as the API guard does.
    for (const key of keys) if (presented && timingSafeEqual(key, presented)) known = true;
    if (known) return next();
    response
      .status(401)
      .json({ statusCode: 401, message: 'an Authorization: Bearer <key> header is required', error: 'Unauthorized' });
  };
}
