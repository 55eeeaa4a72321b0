import { DeviceId, UtcTime } from '@releve/shared';
import { z } from 'zod';
import { problemReply } from '../ApiServer.js';
import { Cursor, Limit, LiftPage } from '../schemas.js';
import { decodeCursor, encodeCursor, LiftCursorKey } from '../cursor.js';
import type { Role } from '../../auth/roles.js';
import { defineRoute } from '../route.js';

/** Roles that see who pays for a lifted bin. */
const PAYER_ROLES: readonly Role[] = ['billing', 'admin'];

const LiftListQuery = z
  .object({
    truckId: DeviceId.optional().describe('Only lifts by this truck'),
    accountId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('Only lifts of bins this account paid for at lift time (billing, admin)'),
    from: UtcTime.optional().describe('Lifts started at or after this time'),
    to: UtcTime.optional().describe('Lifts started before this time'),
    limit: Limit,
    cursor: Cursor.optional(),
  })
  .strict();

/**
 * `GET /api/v1/lifts`: lifts by truck, account and period, oldest first, keyset-paginated on
 * (startedAt, id) so pages stay stable while new lifts arrive.
 */
export const listLifts = defineRoute({
  id: 'listLifts',
  method: 'GET',
  path: '/api/v1/lifts',
  tag: 'lifts',
  summary: 'Lifts by truck, account and period (paginated, oldest first)',
  query: LiftListQuery,
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'A page of lifts',
    schema: LiftPage,
  },
  handle: ({ ctx, query, principal }) => {
    const seesPayer = principal !== null && PAYER_ROLES.includes(principal.role);
    if (query.accountId !== undefined && !seesPayer) {
      return problemReply(403, 'forbidden', 'filtering by account is for billing and admin');
    }
    let after: z.infer<typeof LiftCursorKey> | undefined;
    if (query.cursor !== undefined) {
      const key = decodeCursor(query.cursor, LiftCursorKey);
      if (!key) return problemReply(400, 'bad-request', 'cursor: not a cursor of this list');
      after = key;
    }
    if (query.from && query.to && query.from >= query.to) {
      return problemReply(400, 'bad-request', 'from must be before to');
    }
    const items = ctx.readModel.listLifts({
      ...(query.truckId ? { truckId: query.truckId } : {}),
      ...(query.accountId ? { accountId: query.accountId } : {}),
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
      ...(after ? { after } : {}),
      limit: query.limit + 1,
    });
    const page = items
      .slice(0, query.limit)
      .map((l) => (seesPayer ? l : { ...l, binId: null, accountId: null, buildingId: null }));
    const last = page.at(-1);
    const nextCursor =
      items.length > query.limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null;
    return { json: { items: page, nextCursor } };
  },
});
