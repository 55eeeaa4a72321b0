import { DeviceId, MESSAGES, type MessageKind, UtcTime } from '@releve/shared';
import { z } from 'zod';
import { EVENT_ACCESS, mayReceive } from '../../auth/accessTable.js';
import { problemReply } from '../ApiServer.js';
import type { LiveEvent } from '../LiveEventHub.js';
import { defineRoute } from '../route.js';

const DEVICE_KINDS = (Object.keys(MESSAGES) as MessageKind[]).filter(
  (k) => MESSAGES[k].direction === 'device-to-cloud',
);

/** The `data:` of each SSE event (the SSE `event:` field is the kind). */
export const LiveEventData = z
  .object({
    id: z.string().describe('Same as the SSE id: `<bootId>.<n>`'),
    kind: z.enum(DEVICE_KINDS as [MessageKind, ...MessageKind[]]),
    deviceId: DeviceId,
    receivedAt: UtcTime,
    message: z
      .union(DEVICE_KINDS.map((k) => MESSAGES[k].schema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])
      .describe('The device message as accepted (MQTT contract schema of `kind`)'),
  })
  .describe('One accepted device message');

const EventsQuery = z
  .object({
    kinds: z
      .string()
      .max(500)
      .optional()
      .describe('Comma-separated message kinds to receive (default: all the role may see)'),
  })
  .strict();

/** Largest backlog a slow client may accumulate before its stream is closed (it resumes with Last-Event-ID). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * `GET /api/v1/events`: server-sent events of accepted device messages, filtered by role
 * (`EVENT_ACCESS`): the beacon operator only ever receives gateway messages. A comment line
 * is sent every heartbeat interval. On reconnect, `Last-Event-ID` replays what was missed from
 * the in-memory buffer; when that is impossible (restart, too old) a `resync` event tells the
 * client to reload state from the read endpoints.
 */
export const events = defineRoute({
  id: 'events',
  method: 'GET',
  path: '/api/v1/events',
  tag: 'live',
  summary: 'Live stream of device messages (server-sent events, filtered by role)',
  description: `Roles receive: ${Object.entries(EVENT_ACCESS)
    .map(([r, kinds]) => `${r}: ${kinds.join(', ')}`)
    .join(
      '; ',
    )}. Each event: \`id\`, \`event\` = message kind, \`data\` = JSON (schema LiveEvent). Heartbeat comments keep proxies from closing the stream. Send \`Last-Event-ID\` to resume; an \`event: resync\` means events were lost and state must be reloaded.`,
  query: EventsQuery,
  response: {
    status: 200,
    contentType: 'text/event-stream',
    description: 'Event stream; each `data:` is a LiveEvent',
    schema: LiveEventData,
  },
  handle: ({ req, res, ctx, principal, query }) => {
    if (!principal) return problemReply(401, 'unauthorized');
    const role = principal.role;
    let wanted: Set<string> | null = null;
    if (query.kinds) {
      const asked = query.kinds.split(',').map((k) => k.trim());
      const unknown = asked.filter((k) => !(DEVICE_KINDS as string[]).includes(k));
      if (unknown.length > 0) return problemReply(400, 'bad-request', `kinds: unknown ${unknown.join(', ')}`);
      wanted = new Set(asked);
    }
    const accept = (e: LiveEvent) => mayReceive(role, e.kind) && (wanted === null || wanted.has(e.kind));

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const send = (e: LiveEvent) => {
      if (!accept(e)) return;
      res.write(`id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`);
      if (res.writableLength > MAX_BUFFERED_BYTES) close();
    };

    const lastId = req.headers['last-event-id'];
    if (typeof lastId === 'string' && lastId.length > 0) {
      const replay = ctx.events.since(lastId);
      if (replay.kind === 'gap') res.write(`event: resync\ndata: {"reason":"events were lost"}\n\n`);
      else for (const e of replay.events) send(e);
    }

    const unsubscribe = ctx.events.subscribe(send);
    const heartbeat = setInterval(
      () => res.write(`: heartbeat ${new Date().toISOString()}\n\n`),
      ctx.sseHeartbeatMs,
    );
    ctx.metrics.sseClients.inc();
    let closed = false;
    const removeCleanup = ctx.onStop(() => close());
    function close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      removeCleanup();
      ctx.metrics.sseClients.dec();
      res.end();
    }
    req.on('close', close);
    res.on('error', close);
    return { streamed: true };
  },
});
