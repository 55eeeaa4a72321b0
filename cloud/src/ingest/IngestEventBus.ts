import { EventEmitter } from 'node:events';
import type { DeviceClass } from '@releve/shared';
import type { CloudFlag, DeadLetterReason, DeviceMessage } from '../store/records.js';

/** A message that is now durably stored (emitted after its transaction committed). */
export type StoredMessageEvent = DeviceMessage & {
  deviceClass: DeviceClass;
  deviceId: string;
  receivedAt: string;
  cloudFlags: CloudFlag[];
};

/** A message kept as a dead letter (emitted after its transaction committed). */
export interface DeadLetterEvent {
  topic: string;
  clientId: string | null;
  reasonCode: DeadLetterReason;
  reason: string;
  size: number;
  receivedAt: string;
}

/** Events of the ingest, by name. */
export interface IngestEventMap {
  stored: [StoredMessageEvent];
  'dead-letter': [DeadLetterEvent];
  /** A QoS 1 redelivery of a stored event, dropped. */
  duplicate: [{ kind: string; deviceId: string; receivedAt: string }];
}

/**
 * The typed event bus of the ingest: what the HTTP API streams (SSE) and what other cloud
 * features react to. Listeners run synchronously after a batch committed; a throwing
 * listener is logged by the ingest and does not stop the others' delivery of later events.
 */
export class IngestEventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  on<E extends keyof IngestEventMap>(event: E, listener: (...args: IngestEventMap[E]) => void): () => void {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.#emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<E extends keyof IngestEventMap>(event: E, ...args: IngestEventMap[E]): void {
    this.#emitter.emit(event, ...args);
  }

  listenerCount(event: keyof IngestEventMap): number {
    return this.#emitter.listenerCount(event);
  }
}
