import { z } from 'zod';
import { Role } from '../../auth/roles.js';
import { defineRoute } from '../route.js';

/** `GET /healthz`: the process is alive and serving HTTP (no dependency is checked). */
export const healthz = defineRoute({
  id: 'healthz',
  method: 'GET',
  path: '/healthz',
  tag: 'operations',
  summary: 'Liveness: the process answers',
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Alive',
    schema: z.object({ status: z.literal('ok') }),
  },
  handle: () => ({ json: { status: 'ok' } }),
});

const ReadinessBody = z.object({
  ready: z.boolean(),
  checks: z.record(z.string(), z.boolean()).describe('Each dependency: store, broker, ingest…'),
});

/** `GET /readyz`: every registered dependency (store, broker, ingest) is ready; 503 otherwise. */
export const readyz = defineRoute({
  id: 'readyz',
  method: 'GET',
  path: '/readyz',
  tag: 'operations',
  summary: 'Readiness: store, broker and ingest are ready (503 with the same body when not)',
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Ready',
    schema: ReadinessBody,
    sameBodyStatuses: { '503': 'Not ready: the failing checks are false' },
  },
  handle: async ({ ctx }) => {
    const report = await ctx.readiness.report();
    return { status: report.ready ? 200 : 503, json: report };
  },
});

/** `GET /metrics`: Prometheus text exposition. */
export const metrics = defineRoute({
  id: 'metrics',
  method: 'GET',
  path: '/metrics',
  tag: 'operations',
  summary: 'Prometheus metrics (text exposition format 0.0.4)',
  description:
    'Ingest rate (`releve_ingest_messages_total`), dead letters, store write latency histogram, broker clients, HTTP, SSE and time-series sink metrics. Scrape with a bearer token (`authorization` in the Prometheus scrape config).',
  response: { status: 200, contentType: 'text/plain', description: 'Text exposition' },
  handle: async ({ ctx }) => ({ text: await ctx.metrics.exposition(), contentType: ctx.metrics.contentType }),
});

/** `GET /api/v1/openapi.json`: this API's OpenAPI 3.1 document. */
export const openapi = defineRoute({
  id: 'openapi',
  method: 'GET',
  path: '/api/v1/openapi.json',
  tag: 'operations',
  summary: 'This OpenAPI 3.1 document',
  response: { status: 200, contentType: 'application/json', description: 'OpenAPI document' },
  handle: ({ ctx }) => ({ json: ctx.openapi() }),
});

const WhoAmI = z.object({ tokenId: z.string(), role: Role, label: z.string() });

/** `GET /api/v1/whoami`: the token's id, role and label. */
export const whoami = defineRoute({
  id: 'whoami',
  method: 'GET',
  path: '/api/v1/whoami',
  tag: 'operations',
  summary: 'The role and id of the calling token',
  response: { status: 200, contentType: 'application/json', description: 'The caller', schema: WhoAmI },
  handle: ({ principal }) => ({ json: principal }),
});
