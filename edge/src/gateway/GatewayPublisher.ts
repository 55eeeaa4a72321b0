/**
 * Where the gateway's events go: the durable outbox (`edge/src/outbox/Outbox.ts`), which adds
 * the event id and the per-device sequence number and hands them to the MQTT link.
 */
import type { MessageOf } from '@releve/shared';
import type { Outbox } from '../outbox/Outbox.js';

/** Device → cloud kinds a gateway produces. */
export type GatewayEventKind = 'sightings' | 'telemetry' | 'gatewayHealth' | 'footfall' | 'gatewayAlert';

/** A message before the outbox gives it an id and a sequence number. */
export type GatewayDraft<K extends GatewayEventKind> = Omit<MessageOf<K>, 'id' | 'seq'>;

export interface GatewayPublisher {
  publish<K extends GatewayEventKind>(kind: K, draft: GatewayDraft<K>): void;
  /** Events waiting to be sent (for `GatewayHealth.outboxBacklog`). */
  backlog(): number;
}

/** The outbox as the gateway's publisher. */
export function outboxPublisher(outbox: Outbox): GatewayPublisher {
  return {
    publish: (kind, draft) => {
      outbox.enqueue(kind, draft);
    },
    backlog: () => outbox.backlog(),
  };
}
