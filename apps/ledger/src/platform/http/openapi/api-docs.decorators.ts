import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiUnauthorizedResponse,
  getSchemaPath,
  type HeadersObject,
} from '@nestjs/swagger';
import { MAX_RANGE_DAYS } from '../utc-days.js';
import { ApiErrorDto } from './api-error.dto.js';

/** The security scheme every keyed route names: `Authorization: Bearer <key>` (docs/CONTRACT.md section 5). */
export const API_KEY_SCHEME = 'api-key';

/** 401 and 403 as the global ApiKeyGuard answers them; for a controller whose every route needs a key. */
export function ApiKeyErrorResponses(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiUnauthorizedResponse({
      description: 'No `Authorization: Bearer <key>` header, or a key that is not recognised.',
      type: ApiErrorDto,
      example: {
        statusCode: 401,
        message: 'an Authorization: Bearer <key> header is required',
        error: 'Unauthorized',
      },
    }),
    ApiForbiddenResponse({
      description: "The key's role may not call this route.",
      type: ApiErrorDto,
      example: {
        statusCode: 403,
        message: 'the retail role may not call GET /v1/ingest',
        error: 'Forbidden',
      },
    }),
  );
}

/** 400 from parseRequest: the message names the bad parameter and why. */
export function ApiInvalidRequestResponse(exampleMessage: string): MethodDecorator & ClassDecorator {
  return ApiBadRequestResponse({
    description: 'A parameter or the body is invalid; the message says which and why.',
    type: ApiErrorDto,
    example: { statusCode: 400, message: exampleMessage, error: 'Bad Request' },
  });
}

export function ApiNotFoundErrorResponse(
  description: string,
  exampleMessage: string,
): MethodDecorator & ClassDecorator {
  return ApiNotFoundResponse({
    description,
    type: ApiErrorDto,
    example: { statusCode: 404, message: exampleMessage, error: 'Not Found' },
  });
}

/** `limit` and `cursor` of a keyset-paged list. */
export function ApiPageQueries(what: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: `${what} per page, 1 to 1000.`,
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      type: 'string',
      description: 'The nextCursor of the previous page, unchanged; a cursor edited by hand is refused with a 400.',
    }),
  );
}

/** `from` and `to` of a finance report: UTC days, both included. */
export function ApiDateRangeQueries(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'from',
      type: 'string',
      format: 'date',
      description: 'The first UTC day, YYYY-MM-DD, included.',
      example: '2003-04-01',
    }),
    ApiQuery({
      name: 'to',
      type: 'string',
      format: 'date',
      description: `The last UTC day, YYYY-MM-DD, included; not before from, and at most ${MAX_RANGE_DAYS} days in all.`,
      example: '2003-04-30',
    }),
  );
}

/**
 * A 200 that is JSON, or CSV on `Accept: text/csv` or `?format=csv`. The two bodies are spelled out here rather
 * than with ApiProduces, which would also list the JSON error bodies as text/csv.
 */
export function ApiJsonOrCsvOkResponse(options: {
  description: string;
  type: Type<unknown>;
  example: unknown;
  csvExample: string;
  csvHeaders?: HeadersObject;
}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(options.type),
    ApiQuery({
      name: 'format',
      required: false,
      enum: ['json', 'csv'],
      description: 'json or csv; when absent, `Accept: text/csv` asks for CSV, and anything else gets JSON.',
    }),
    ApiOkResponse({
      description: options.description,
      headers: {
        'Content-Disposition': {
          description: 'With CSV only: `attachment; filename="…csv"`.',
          schema: { type: 'string' },
        },
        ...options.csvHeaders,
      },
      content: {
        'application/json': { schema: { $ref: getSchemaPath(options.type) }, example: options.example },
        'text/csv': { schema: { type: 'string' }, example: options.csvExample },
      },
    }),
  );
}
