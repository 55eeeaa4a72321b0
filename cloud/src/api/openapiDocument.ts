import { z } from 'zod';
import { allowedRoles } from '../auth/accessTable.js';
import { Problem } from './problem.js';
import type { AnyRoute } from './route.js';

type JsonObject = Record<string, unknown>;

/** Version of the HTTP API contract (the `/api/v1` prefix changes only on a breaking change). */
export const HTTP_API_VERSION = '1.0.0';

/**
 * Builds the OpenAPI 3.1 document of the HTTP API from the route table: paths and methods,
 * path and query parameters and response bodies from the routes' zod schemas
 * (`z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses), and for each operation the
 * roles allowed by `auth/accessTable.ts` (`x-roles`, and in the description).
 * The output is deterministic, so the committed `docs/openapi.yaml` can be checked for staleness.
 */
export function buildOpenApiDocument(routes: readonly AnyRoute[]): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    paths[route.path] = item;
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Relevé cloud HTTP API',
      version: HTTP_API_VERSION,
      description:
        'Read API of the Relevé cloud: trucks, lifts, beacons, gateways, dead letters, a live event stream, health and metrics. Every non-public route needs `Authorization: Bearer <token>`; tokens are issued with `releve-cloud token add --role <role>` and carry one role. Errors are RFC 9457 `application/problem+json` bodies with a `code`. Generated from the route table (`cloud/src/api/routeTable.ts`) by `npm run gen:openapi`; do not edit by hand.',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Token from `releve-cloud token add`' },
      },
      schemas: { Problem: jsonSchema(Problem) },
    },
  };
}

function operation(route: AnyRoute): JsonObject {
  const roles = allowedRoles(route.id);
  const isPublic = roles === 'public';
  const access = isPublic ? 'Public (no token).' : `Roles: ${roles.join(', ')}.`;
  const content = {
    [route.response.contentType]: route.response.schema ? { schema: jsonSchema(route.response.schema) } : {},
  };
  const responses: Record<string, JsonObject> = {
    [String(route.response.status)]: { description: route.response.description, content },
  };
  for (const [status, description] of Object.entries(route.response.sameBodyStatuses ?? {})) {
    responses[status] = { description, content };
  }
  const problemRef = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  if (route.query || route.params)
    responses['400'] = { description: 'Invalid parameters', content: problemRef };
  if (!isPublic) {
    responses['401'] = { description: 'Missing, unknown or revoked token', content: problemRef };
    responses['403'] = { description: 'The token’s role may not call this route', content: problemRef };
  }
  if (route.params) responses['404'] = { description: 'Not found', content: problemRef };
  return {
    operationId: route.id,
    summary: route.summary,
    description: [route.description, access].filter(Boolean).join('\n\n'),
    tags: [route.tag],
    security: isPublic ? [] : [{ bearer: [] }],
    'x-roles': isPublic ? [] : [...roles],
    parameters: [...pathParameters(route), ...queryParameters(route)],
    responses,
  };
}

function pathParameters(route: AnyRoute): JsonObject[] {
  return Object.entries(route.params ?? {}).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(schema, 'input'),
  }));
}

function queryParameters(route: AnyRoute): JsonObject[] {
  if (!(route.query instanceof z.ZodObject)) return [];
  return Object.entries(route.query.shape as Record<string, z.ZodType>).map(([name, schema]) => {
    const s = jsonSchema(schema, 'input');
    const { description, ...rest } = s;
    return {
      name,
      in: 'query',
      required: !schema.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonObject;
  return rest;
}
