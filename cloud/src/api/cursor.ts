import { z } from 'zod';

/**
 * Opaque page cursors: base64url of a small JSON key, validated on the way back in. Clients
 * must not build them; a cursor that does not decode is a 400.
 */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor against the key schema; null when it is not one of ours. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T | null {
  try {
    const r = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Key of the lift list order. */
export const LiftCursorKey = z.object({ startedAt: z.string(), id: z.string() }).strict();
/** Key of the dead-letter list order. */
export const DeadLetterCursorKey = z.object({ beforeId: z.number().int() }).strict();
