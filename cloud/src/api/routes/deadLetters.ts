import { z } from 'zod';
import { problemReply } from '../ApiServer.js';
import { DeadLetterCursorKey, decodeCursor, encodeCursor } from '../cursor.js';
import { defineRoute } from '../route.js';
import { Cursor, DeadLetterPage, Limit } from '../schemas.js';

const DeadLetterQuery = z
  .object({
    code: z.string().min(1).max(64).optional().describe('Only this reason code'),
    limit: Limit,
    cursor: Cursor.optional(),
  })
  .strict();

/** `GET /api/v1/dead-letters`: refused messages, newest first (admin only). */
export const listDeadLetters = defineRoute({
  id: 'listDeadLetters',
  method: 'GET',
  path: '/api/v1/dead-letters',
  tag: 'operations',
  summary: 'Messages the ingest refused, newest first (paginated)',
  query: DeadLetterQuery,
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'A page of dead letters',
    schema: DeadLetterPage,
  },
  handle: ({ ctx, query }) => {
    let beforeId: number | undefined;
    if (query.cursor !== undefined) {
      const key = decodeCursor(query.cursor, DeadLetterCursorKey);
      if (!key) return problemReply(400, 'bad-request', 'cursor: not a cursor of this list');
      beforeId = key.beforeId;
    }
    const items = ctx.readModel.listDeadLetters({
      ...(query.code ? { code: query.code } : {}),
      ...(beforeId === undefined ? {} : { beforeId }),
      limit: query.limit + 1,
    });
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor = items.length > query.limit && last ? encodeCursor({ beforeId: last.id }) : null;
    return { json: { items: page, nextCursor } };
  },
});
