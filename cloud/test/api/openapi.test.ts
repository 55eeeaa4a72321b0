import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildOpenApiDocument } from '../../src/api/openapiDocument.js';
import { ROUTES } from '../../src/api/routeTable.js';
import { HTTP_API_DOC_PATH, OPENAPI_PATH, openApiYaml, withRoleTable } from '../../src/api/writeOpenApi.js';
import { ROUTE_ACCESS } from '../../src/auth/accessTable.js';
import { type ApiHarness, startApi } from './harness.js';

describe('OpenAPI document', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('docs/openapi.yaml is up to date (run `npm run gen:openapi` when this fails)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(openApiYaml());
  });

  it('docs/http-api.md carries the current role table (run `npm run gen:openapi` when this fails)', () => {
    const doc = readFileSync(HTTP_API_DOC_PATH, 'utf8');
    expect(doc).toContain('<!-- role-table:begin');
    expect(doc).toBe(withRoleTable(doc));
  });

  it('is served at /api/v1/openapi.json, equal to the committed file', async () => {
    const res = await h.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const served = await res.json();
    expect(served).toEqual(buildOpenApiDocument(ROUTES));
    expect(served).toEqual(parse(readFileSync(OPENAPI_PATH, 'utf8')));
  });

  it('documents every route with the roles of the access table', () => {
    const doc = buildOpenApiDocument(ROUTES) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId: string; 'x-roles': string[]; security: unknown[] }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op?.operationId).toBe(r.id);
      const access = ROUTE_ACCESS[r.id];
      expect(op?.['x-roles']).toEqual(access === 'public' ? [] : [...access]);
      expect(op?.security).toEqual(access === 'public' ? [] : [{ bearer: [] }]);
    }
  });
});
