import { z } from 'zod';
import { localDay, parsePeriod } from '../../billing/BillingPeriod.js';
import type { BillingService } from '../../billing/BillingService.js';
import { CloudError, CloudErrorCode } from '../../errors.js';
import { problemReply } from '../ApiServer.js';
import { defineRoute, type Reply } from '../route.js';

const PeriodId = z
  .string()
  .regex(
    /^\d{4}(-(H[12]|T[1-3]|Q[1-4]|0[1-9]|1[0-2]))?$/,
    'a period: 2026, 2026-H1, 2026-T2, 2026-Q3, 2026-07',
  )
  .describe('Billing period');
const AccountId = z.string().min(1).max(64).describe('Household account id');

const Totals = z.object({
  lines: z.number().int(),
  accounts: z.number().int(),
  amountCents: z.number().int(),
  liftsInPeriod: z.number().int(),
  liftsBilled: z.number().int(),
  liftsExcluded: z.number().int(),
});
const ReviewItem = z.object({
  liftId: z.string(),
  ts: z.string(),
  tagId: z.string().nullable(),
  reason: z
    .string()
    .describe(
      'no-tag, unknown-tag, no-holder, vacant, unstable, negative-net, overload, clock-unsynced, outside-period, duplicate',
    ),
  detail: z.string(),
});
const ChargeLine = z.object({
  accountId: z.string(),
  accountName: z.string(),
  product: z.enum(['fixed', 'lifts', 'weight']),
  subArticle: z.string(),
  quantity: z.string(),
  unit: z.enum(['day', 'lift', 'kg']),
  unitPriceCents: z.string(),
  amountCents: z.number().int(),
  liftIds: z.array(z.string()),
  share: z.string().nullable(),
});
const PeriodSummary = z.object({
  periodId: z.string(),
  from: z.string(),
  to: z.string(),
  provisional: z.boolean(),
  totals: Totals,
  amountCentsByProduct: z.record(z.string(), z.number().int()),
  reviewByReason: z.record(z.string(), z.number().int()),
});
const Statement = z.object({
  householdId: z.string(),
  name: z.string(),
  persons: z.number().int().nullable(),
  period: z.object({
    id: z.string(),
    from: z.string(),
    to: z.string(),
    elapsedDays: z.number().int(),
    days: z.number().int(),
  }),
  lifts: z.array(
    z.object({
      liftId: z.string(),
      day: z.string(),
      binId: z.string(),
      volumeL: z.number().int(),
      netWeightKg: z.number().nullable(),
      billed: z.boolean(),
      note: z.string().nullable(),
    }),
  ),
  totals: z.object({ lifts: z.number().int(), netWeightKg: z.number() }),
  comparable: z.object({
    households: z.number().int(),
    averageNetWeightKg: z.number().nullable(),
    averageLifts: z.number().nullable(),
    binVolumeL: z.number().int().nullable(),
  }),
  charge: z.object({
    soFarCents: z.number().int(),
    projectedCents: z.number().int(),
    lines: z.array(ChargeLine),
  }),
});

/** The `provisional` query of a period run: `auto` projects a period only while it is open. */
const Provisional = z
  .enum(['true', 'false', 'auto'])
  .default('false')
  .describe(
    'true: project an open period; auto: the final run once the period has ended, else a projection (the response says which)',
  );

/**
 * Whether to project the period: as asked, or for `auto` while it has not ended on today's local
 * day in the tariff's time zone (the test the engine makes before refusing an open period).
 */
function provisionalFor(b: BillingService, periodId: string, asked: z.infer<typeof Provisional>): boolean {
  if (asked !== 'auto') return asked === 'true';
  const period = parsePeriod(periodId);
  if (!period) return false; // the run refuses it with its own message
  return localDay(new Date().toISOString(), b.tariff().plan.timeZone) < period.to;
}

/** Runs `fn` with the billing service, turning billing refusals into problems. */
function withBilling(billing: BillingService | null | undefined, fn: (b: BillingService) => Reply): Reply {
  if (!billing) return problemReply(503, 'not-ready', 'billing is not configured on this server');
  try {
    return fn(billing);
  } catch (e) {
    if (e instanceof CloudError) {
      switch (e.code) {
        case CloudErrorCode.BillingPeriodOpen:
          return problemReply(409, 'conflict', e.message);
        case CloudErrorCode.NotFound:
          return problemReply(404, 'not-found', e.message);
        case CloudErrorCode.Usage:
          return problemReply(400, 'bad-request', e.message);
        case CloudErrorCode.TariffFile:
        case CloudErrorCode.BillingRegistry:
        case CloudErrorCode.BillingUnpriced:
          return problemReply(409, 'conflict', e.message);
        default:
          throw e;
      }
    }
    throw e;
  }
}

function summary(run: ReturnType<BillingService['run']>): z.infer<typeof PeriodSummary> {
  const byProduct: Record<string, number> = { fixed: 0, lifts: 0, weight: 0 };
  for (const l of run.lines) byProduct[l.product] = (byProduct[l.product] ?? 0) + l.amountCents;
  const byReason: Record<string, number> = {};
  for (const r of run.review) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  return {
    periodId: run.periodId,
    from: run.from,
    to: run.to,
    provisional: run.provisional,
    totals: run.totals,
    amountCentsByProduct: byProduct,
    reviewByReason: byReason,
  };
}

/** `GET /api/v1/billing/periods/{periodId}`: bill a period (an open one only with `provisional=true`). */
export const billingRunPeriod = defineRoute({
  id: 'billingRunPeriod',
  method: 'GET',
  path: '/api/v1/billing/periods/{periodId}',
  tag: 'billing',
  summary:
    'Run a billing period and return its totals (409 while the period is open, unless provisional is true or auto)',
  params: { periodId: PeriodId },
  query: z.object({ provisional: Provisional }).strict(),
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Totals of the period',
    schema: PeriodSummary,
  },
  handle: ({ ctx, params, query }) =>
    withBilling(ctx.billing, (b) => ({
      json: summary(
        b.run(params.periodId ?? '', provisionalFor(b, params.periodId ?? '', query.provisional)),
      ),
    })),
});

/** `GET /api/v1/billing/periods/{periodId}/review`: lifts of the period not billed, with the reason. */
export const billingReview = defineRoute({
  id: 'billingReview',
  method: 'GET',
  path: '/api/v1/billing/periods/{periodId}/review',
  tag: 'billing',
  summary: 'The review queue of a period: every lift not billed, with its reason',
  params: { periodId: PeriodId },
  query: z.object({ provisional: Provisional }).strict(),
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Lifts to review',
    schema: z.object({ items: z.array(ReviewItem) }),
  },
  handle: ({ ctx, params, query }) =>
    withBilling(ctx.billing, (b) => ({
      json: {
        items: b.run(params.periodId ?? '', provisionalFor(b, params.periodId ?? '', query.provisional))
          .review,
      },
    })),
});

/** `GET /api/v1/billing/periods/{periodId}/export`: one file of a closed period's export. */
export const billingExport = defineRoute({
  id: 'billingExport',
  method: 'GET',
  path: '/api/v1/billing/periods/{periodId}/export',
  tag: 'billing',
  summary: 'Download the charges, review or control file of a closed period (docs/billing.md)',
  params: { periodId: PeriodId },
  query: z
    .object({
      file: z.enum(['charges', 'review', 'control']).default('charges'),
      format: z.enum(['csv', 'json']).default('csv').describe('Format of the charges file'),
      dialect: z
        .enum(['standard', 'excel-fr'])
        .default('standard')
        .describe('excel-fr: ";" separator, BOM, decimal comma'),
    })
    .strict(),
  response: {
    status: 200,
    contentType: 'text/csv',
    description: 'The file, as an attachment (JSON for control and format=json)',
  },
  handle: ({ ctx, params, query }) =>
    withBilling(ctx.billing, (b) => {
      const files = b.exportFiles(params.periodId ?? '', query.format, query.dialect);
      const f = files[query.file === 'charges' ? 0 : query.file === 'review' ? 1 : 2]!;
      return { text: f.body, contentType: f.contentType, filename: f.name };
    }),
});

/** `GET /api/v1/billing/households/{householdId}/statement`: a household's statement. */
export const householdStatementRoute = defineRoute({
  id: 'householdStatement',
  method: 'GET',
  path: '/api/v1/billing/households/{householdId}/statement',
  tag: 'billing',
  summary: "A household's lifts, totals, comparable households and projected charge for the current period",
  params: { householdId: AccountId },
  response: { status: 200, contentType: 'application/json', description: 'The statement', schema: Statement },
  handle: ({ ctx, params }) =>
    withBilling(ctx.billing, (b) => ({ json: b.statement(params.householdId ?? '') })),
});

/** `POST /api/v1/billing/households/{householdId}/citizen-link`: the household's secret link. */
export const citizenLink = defineRoute({
  id: 'citizenLink',
  method: 'POST',
  path: '/api/v1/billing/households/{householdId}/citizen-link',
  tag: 'billing',
  summary: "The secret link a household's citizens open without an account",
  params: { householdId: AccountId },
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Token and path of the link',
    schema: z.object({ token: z.string(), path: z.string() }),
  },
  handle: ({ ctx, params }) =>
    withBilling(ctx.billing, (b) => {
      b.statement(params.householdId ?? ''); // 404 for an unknown household
      const token = b.links.tokenFor(params.householdId ?? '');
      return { json: { token, path: `/household/${token}` } };
    }),
});

/** `GET /api/v1/citizen/{token}/statement`: the statement behind a citizen's secret link (no account). */
export const citizenStatement = defineRoute({
  id: 'citizenStatement',
  method: 'GET',
  path: '/api/v1/citizen/{token}/statement',
  tag: 'billing',
  summary: "A household's statement, opened with its secret link token (no account; 404 for any other token)",
  params: { token: z.string().min(1).max(400) },
  response: { status: 200, contentType: 'application/json', description: 'The statement', schema: Statement },
  handle: ({ ctx, params }) =>
    withBilling(ctx.billing, (b) => {
      const householdId = b.links.householdOf(params.token ?? '');
      if (householdId === null) return problemReply(404, 'not-found', 'no statement behind this link');
      return { json: b.statement(householdId) };
    }),
});

/**
 * `DELETE /api/v1/billing/households/{householdId}/citizen-link`: revokes the household's link
 * (it opens nothing any more); the next `POST` gives a new one.
 */
export const revokeCitizenLink = defineRoute({
  id: 'revokeCitizenLink',
  method: 'DELETE',
  path: '/api/v1/billing/households/{householdId}/citizen-link',
  tag: 'billing',
  summary: "Revokes a household's secret link; the next POST gives a new one",
  params: { householdId: AccountId },
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'The link is revoked',
    schema: z.object({ householdId: z.string(), revocations: z.number().int() }),
  },
  handle: ({ ctx, params }) =>
    withBilling(ctx.billing, (b) => {
      const householdId = params.householdId ?? '';
      // `not-found` (404) for an unknown household.
      return { json: { householdId, revocations: b.links.revoke(householdId) } };
    }),
});
