import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME } from './api-docs.decorators.js';

const DESCRIPTION = `The message ledger's query and command API (docs/CONTRACT.md section 5): JSON over HTTP under \`/v1\`.

**Keys and roles.** Every \`/v1\` call carries \`Authorization: Bearer <key>\`. Keys come from \`LEDGER_API_KEYS\`,
comma-separated \`role:key\` pairs. Roles: \`finance\` may call every GET; \`retail\` the subscriber endpoints
(balance, charges) and POST bolt-ons; \`admin\` everything. No key, or one not recognised: 401. A role the route
does not allow: 403. Bad parameters: 400 with a message that names the parameter and says why.
\`/health\`, \`/metrics\`, \`/dashboard\` and these docs need no key.

**Conventions.** Money is integer pence and units are integers. Instants are RFC 3339 with an offset, answered
in UTC; finance dates are UTC days written YYYY-MM-DD, both ends included. Lists are keyset-paged: pass
\`nextCursor\` back as \`cursor\` unchanged; it is null on the last page.`;

/** The OpenAPI document of the app's controllers, as their swagger decorators and DTOs describe them. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('message-ledger')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'An API key from LEDGER_API_KEYS: `Authorization: Bearer <key>`; its role decides the routes.',
      },
      API_KEY_SCHEME,
    )
    .addTag('bolt-ons', "A subscriber's bolt-on purchases and balance")
    .addTag('charges', 'How each message was rated')
    .addTag('finance', 'Revenue and interconnect figures (docs/CONTRACT.md section 4), as JSON or CSV')
    .addTag('ingest', 'Where consumption stands, and the inputs that were rejected')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Swagger UI at /docs and the document at /docs/openapi.json. SwaggerModule adds plain HTTP-adapter routes, which
 * the global ApiKeyGuard (a Nest guard, for controllers only) never sees: the docs need no key. Call before listen.
 */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    raw: ['json'],
    customSiteTitle: 'message-ledger API',
  });
}
