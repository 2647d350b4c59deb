import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { stdSerializers, stdTimeFunctions, type LevelWithSilent, type LoggerOptions } from 'pino';
import type { Options as HttpLoggerOptions } from 'pino-http';
import type { LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { maskPersonalData, maskText } from './mask-personal-data.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What an incoming request id may look like; anything else (too long, odd characters) is replaced. */
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Probes poll often: their lines are logged at debug so they do not drown the rest. */
const PROBES = /^\/(health|metrics)(\/|\?|$)/;

/** Honours the caller's `x-request-id` when it is sane, else makes one, and returns it in the response. */
export function requestIdOf(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** A refused or malformed call is the caller's mistake, logged as information; a failure of ours is an error. */
function levelOf(request: IncomingMessage, response: ServerResponse, error?: Error): LevelWithSilent {
  if (PROBES.test(request.url ?? '')) return 'debug';
  return error || response.statusCode >= 500 ? 'error' : 'info';
}

/**
 * The one pino logger of the service, behind Nest's Logger: JSON lines (or pino-pretty when
 * LOG_FORMAT=pretty), a request id per HTTP request, MSISDNs masked in every message and string
 * field, and neither headers nor API keys ever written.
 */
export function loggerParams(config: LedgerConfig): Params {
  const pretty = config.logFormat === 'pretty';
  const pinoOptions: LoggerOptions = {
    name: 'message-ledger',
    level: config.logLevel,
    timestamp: stdTimeFunctions.isoTime,
    // A transport formats its own levels; plain JSON gets the label, which people and collectors read alike.
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              colorize: true,
              singleLine: true,
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname,name,context',
              messageFormat: '{if context}[{context}] {end}{msg}',
            },
          },
        }
      : { formatters: { level: (label: string) => ({ level: label }) } }),
    hooks: {
      logMethod(args, method) {
        method.apply(this, maskPersonalData(args));
      },
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'apiKeys', '*.apiKeys'],
      censor: '[redacted]',
    },
  };
  const httpOptions: HttpLoggerOptions = {
    genReqId: requestIdOf,
    customLogLevel: levelOf,
    serializers: {
      // The path may carry an MSISDN; headers carry the API key: keep the path masked and no headers at all.
      req: (request: { id: unknown; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        url: maskText(request.url),
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      // pino-http hands over the standard serialization; copied into a plain object, its strings get masked.
      err: (error: object) => maskPersonalData({ ...(error instanceof Error ? stdSerializers.err(error) : error) }),
    },
  };
  return { pinoHttp: { ...pinoOptions, ...httpOptions } };
}
