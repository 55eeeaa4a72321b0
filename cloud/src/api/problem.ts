import { z } from 'zod';

/** Problem codes of the HTTP API: the `code` member of every `application/problem+json` body. */
export const ApiProblemCode = {
  /** No bearer token, or a token that is unknown or revoked (401). */
  Unauthorized: 'unauthorized',
  /** A valid token whose role may not call this route (403). */
  Forbidden: 'forbidden',
  /** No such route or resource (404). */
  NotFound: 'not-found',
  /** The path exists, not with this method (405). */
  MethodNotAllowed: 'method-not-allowed',
  /** Query parameters or cursor invalid; `detail` lists every problem (400). */
  BadRequest: 'bad-request',
  /** The request is valid but the resource is not in a state to answer it, e.g. a period still open (409). */
  Conflict: 'conflict',
  /** A dependency (store, broker, ingest) is not ready (503). */
  NotReady: 'not-ready',
  /** An unexpected failure; details are in the server log, not in the response (500). */
  Internal: 'internal',
} as const;
export type ApiProblemCode = (typeof ApiProblemCode)[keyof typeof ApiProblemCode];

const TITLES: Record<ApiProblemCode, string> = {
  unauthorized: 'Missing or invalid bearer token',
  forbidden: 'This token’s role may not call this route',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'bad-request': 'Bad request',
  conflict: 'Conflict',
  'not-ready': 'Not ready',
  internal: 'Internal error',
};

/** RFC 9457 problem details, plus the machine-readable `code`. */
export const Problem = z
  .object({
    type: z.string().describe('urn:releve:problem:<code>'),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.values(ApiProblemCode) as [ApiProblemCode, ...ApiProblemCode[]]),
    detail: z.string().optional(),
    instance: z.string().optional().describe('The request path'),
  })
  .describe('RFC 9457 problem details (application/problem+json)');
export type Problem = z.infer<typeof Problem>;

/** Builds a problem body. */
export function problem(status: number, code: ApiProblemCode, detail?: string, instance?: string): Problem {
  return {
    type: `urn:releve:problem:${code}`,
    title: TITLES[code],
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(instance === undefined ? {} : { instance }),
  };
}
