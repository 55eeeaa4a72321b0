import { deviceToCloudFilters } from '@releve/shared';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { CloudError, CloudErrorCode } from '../errors.js';
import type { BatchWriterOptions } from '../store/BatchWriter.js';
import type { WriteOutcome } from '../store/records.js';
import type { Store } from '../store/Store.js';
import { emitWritten } from './emitWritten.js';
import { IngestEventBus } from './IngestEventBus.js';
import type { IngestWriter, WrittenRecord } from './IngestWriter.js';
import type { ReceptionRules } from './ReceptionPolicy.js';
import { createIngestWriter } from './ThreadedIngestWriter.js';

/** How the ingest connects and what it does with what it receives. */
export interface IngestOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** Fixed client id: the broker keeps its session (and queued QoS 1 messages) across restarts. */
  clientId?: string;
  username?: string;
  password?: string;
  store: Store;
  batch?: Partial<BatchWriterOptions>;
  reception?: Partial<ReceptionRules>;
  /**
   * `thread` (default): validation and writes on a worker thread, off the event loop that
   * carries MQTT (and, in the cloud process, the broker). `inline`: on the calling thread.
   */
  writer?: 'thread' | 'inline';
  /** Give up `start()` after this long without a subscription. */
  connectTimeoutMs?: number;
  bus?: IngestEventBus;
  logger?: pino.Logger;
}

export const DEFAULT_INGEST_CLIENT_ID = 'releve-cloud-ingest';

/** Counts since start. */
export interface IngestStats {
  received: number;
  stored: number;
  duplicates: number;
  deadLettered: number;
  acked: number;
  writeFailures: number;
}

/** A PUBACK held until its message's transaction committed. */
interface HeldAck {
  connection: number;
  committed: boolean;
  puback: MqttPacketLike | null;
}
interface MqttPacketLike {
  cmd: string;
  messageId?: number;
}
type SendPacket = (packet: MqttPacketLike, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * The cloud's MQTT consumer of device messages (the only file of the cloud that creates an
 * MQTT client for ingest). Subscribes QoS 1 to every device → cloud topic with a persistent
 * session, classifies each message ({@link ReceptionPolicy}), writes it in batches, and sends
 * the PUBACK only after the batch's transaction committed: a message the broker saw acked is
 * on disk; anything else is redelivered and deduplicated on its event id.
 *
 * How the PUBACK is held: MQTT.js (5.x) emits `message`, then calls `handleMessage`, then
 * writes the PUBACK, and only then reads the next packet. Its `customHandleAcks` option would
 * be the obvious hook but MQTT.js honours it only for MQTT 5 (client.js), and aedes speaks
 * 3.1.1; holding `handleMessage` instead would stall the packet loop so that each transaction
 * held exactly one message (a few hundred messages/s with fsync). So the ingest takes each
 * message from the `message` event, lets the client go on, and holds the PUBACK packet at
 * the client's packet writer (`_sendPacket`, wrapped once per client) until the message's
 * batch committed. The broker keeps every unacknowledged message of the session and
 * redelivers it after a reconnect, which is what a crash relies on. `_sendPacket` is private
 * to MQTT.js: start() refuses to run without it, and the kill -9 test of the ingest contract
 * fails if PUBACKs are not held (checked by disabling the hold).
 */
export class Ingest {
  readonly events: IngestEventBus;
  readonly #options: IngestOptions;
  #writer: IngestWriter | null = null;
  readonly #log: pino.Logger;
  readonly #held = new Map<number, HeldAck>();
  readonly #stats: IngestStats = {
    received: 0,
    stored: 0,
    duplicates: 0,
    deadLettered: 0,
    acked: 0,
    writeFailures: 0,
  };
  #client: MqttClient | null = null;
  #sendPacket: SendPacket | null = null;
  #connection = 0;

  constructor(options: IngestOptions) {
    this.#options = options;
    this.#log = (options.logger ?? pino({ level: 'info' })).child({ name: 'cloud:ingest' });
    this.events = options.bus ?? new IngestEventBus();
  }

  /** Counts since start. */
  stats(): IngestStats & { batches: number; pendingWrites: number; heldAcks: number } {
    return {
      ...this.#stats,
      batches: this.#writer?.batches ?? 0,
      pendingWrites: this.#writer?.pending ?? 0,
      heldAcks: this.#held.size,
    };
  }

  /** Connects, subscribes, and resolves once the subscription is granted. */
  async start(): Promise<void> {
    if (this.#client) return;
    const o = this.#options;
    const { writer, ready } = createIngestWriter(o.store, o, this.#log);
    this.#writer = writer;
    await ready;
    const clientOptions: IClientOptions = {
      clientId: o.clientId ?? DEFAULT_INGEST_CLIENT_ID,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      resubscribe: true,
    };
    if (o.username !== undefined) clientOptions.username = o.username;
    if (o.password !== undefined) clientOptions.password = o.password;
    const client = mqtt.connect(o.url, clientOptions);
    this.#client = client;
    try {
      this.#holdPubacks(client);
    } catch (e) {
      this.#client = null;
      client.end(true);
      await this.#writer?.close();
      this.#writer = null;
      throw e;
    }
    client.on('message', (topic, message, packet) => this.#receive(topic, message, packet));
    client.on('connect', (connack) => {
      this.#connection += 1;
      this.#held.clear();
      this.#log.info({ url: o.url, sessionPresent: connack.sessionPresent }, 'connected');
    });
    client.on('close', () => {
      this.#held.clear();
    });
    client.on('error', (err) => this.#log.warn({ err: err.message }, 'mqtt error'));
    const filters = deviceToCloudFilters();
    const timeoutMs = o.connectTimeoutMs ?? 30_000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no connection to ${o.url} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        client.once('connect', () => {
          client.subscribe(
            Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])),
            (err, granted) => {
              clearTimeout(timer);
              if (err) return reject(err);
              const refused = (granted ?? []).filter((g) => g.qos === 128);
              if (refused.length > 0)
                return reject(new Error(`subscription refused: ${refused.map((g) => g.topic)}`));
              resolve();
            },
          );
        });
      });
    } catch (e) {
      await this.stop();
      throw new CloudError(CloudErrorCode.Ingest, `cannot subscribe: ${(e as Error).message}`, { cause: e });
    }
    this.#log.info({ filters: filters.length }, 'subscribed');
  }

  /** Writes what waits (and acknowledges it), then disconnects. The session stays on the broker. */
  async stop(): Promise<void> {
    // Write (and acknowledge) what waits while still connected, then disconnect.
    const writer = this.#writer;
    this.#writer = null;
    await writer?.close();
    const client = this.#client;
    this.#client = null;
    if (client) await client.endAsync();
  }

  /** Wraps the client's packet writer so PUBACKs wait for their commit (see the class doc). */
  #holdPubacks(client: MqttClient): void {
    const target = client as unknown as { _sendPacket?: SendPacket };
    if (typeof target._sendPacket !== 'function') {
      throw new CloudError(CloudErrorCode.Ingest, 'this MQTT.js has no _sendPacket: PUBACKs cannot be held');
    }
    const original = target._sendPacket.bind(client);
    this.#sendPacket = original;
    target._sendPacket = (packet, cb, ...rest) => {
      const id = packet.messageId;
      const held = packet.cmd === 'puback' && id !== undefined ? this.#held.get(id) : undefined;
      if (!held || id === undefined) return original(packet, cb, ...rest);
      if (held.committed) {
        this.#held.delete(id);
        this.#stats.acked += 1;
        return original(packet, cb, ...rest);
      }
      held.puback = packet;
      cb?.();
    };
  }

  #receive(topic: string, message: Buffer, packet: { messageId?: number; qos: number }): void {
    const id = packet.qos > 0 ? packet.messageId : undefined;
    const connection = this.#connection;
    // Held until committed; when stopping, held for good: the broker keeps it for the session.
    if (id !== undefined) this.#held.set(id, { connection, committed: false, puback: null });
    const writer = this.#writer;
    if (!writer) return;
    this.#stats.received += 1;
    writer.add(topic, message, new Date().toISOString(), (err, written) => {
      if (err || !written) {
        this.#stats.writeFailures += 1;
        // Not acknowledged: drop the connection so the broker redelivers after the reconnect.
        if (id !== undefined && connection === this.#connection) {
          this.#held.clear();
          this.#client?.stream.destroy();
        }
        return;
      }
      this.#release(id, connection);
      this.#publish(written.record, written.outcome);
    });
  }

  #release(id: number | undefined, connection: number): void {
    if (id === undefined || connection !== this.#connection) return;
    const held = this.#held.get(id);
    if (!held || held.connection !== connection) return;
    if (held.puback && this.#client?.connected && this.#sendPacket) {
      this.#held.delete(id);
      this.#stats.acked += 1;
      this.#sendPacket(held.puback);
    } else {
      held.committed = true;
    }
  }

  #publish(record: WrittenRecord, outcome: WriteOutcome): void {
    try {
      const kind = emitWritten(this.events, record, outcome);
      if (kind === 'stored') this.#stats.stored += 1;
      else if (kind === 'duplicate') this.#stats.duplicates += 1;
      else this.#stats.deadLettered += 1;
    } catch (e) {
      this.#log.error({ err: e }, 'an ingest event listener threw');
    }
  }
}
