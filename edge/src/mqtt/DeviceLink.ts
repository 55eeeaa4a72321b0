import { EventEmitter } from 'node:events';
import {
  type DeviceClass,
  encodeMessage,
  type MessageKind,
  type OnlineState,
  topicFor,
} from '@releve/shared';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { type Logger, pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import type { Outbox } from '../outbox/Outbox.js';
import { brokerStreamBuilder } from './brokerStream.js';
import {
  type CommandKind,
  commandFilter,
  type DeviceCommand,
  decodeCommand,
  type RejectedCommand,
} from './commands.js';
import { OutboxDrainer } from './OutboxDrainer.js';
import { type BackoffSettings, DEFAULT_BACKOFF, ReconnectBackoff } from './ReconnectBackoff.js';

/** Options of a device's link to the broker. Secrets come from `loadLinkSecrets`, never from code. */
export interface DeviceLinkOptions {
  /** `mqtt://host:port` or `mqtts://host:port` (TLS). */
  url: string;
  deviceClass: DeviceClass;
  /** Device id: also the MQTT client id (persistent session) and, by default, the username. */
  deviceId: string;
  outbox: Outbox;
  username?: string;
  password?: string;
  /** TLS material (PEM) for `mqtts://`; the broker certificate is always verified. */
  tls?: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string };
  /** Events in flight at most (published, not yet acknowledged). */
  window?: number;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffSettings>;
  /** How long a clean stop waits for the broker to acknowledge the `offline`/`shutdown` state. */
  stopTimeoutMs?: number;
  agentVersion?: string;
  logger?: Logger;
}

/** Connection state, for the cab display and the health status. */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'stopped';

/** Everything a health report or the cab display wants from the link. */
export interface LinkStatus {
  state: LinkState;
  /** Events waiting in the outbox (in flight included). */
  backlog: number;
  inFlight: number;
  published: number;
  acked: number;
  connects: number;
  /** Connection attempts that failed or connections that dropped. */
  connectionLosses: number;
  invalidCommands: number;
  /** Valid commands ignored because this process already had that version or a newer one. */
  staleCommands: number;
  lastConnectedAt: string | null;
  lastError: string | null;
}

interface DeviceLinkEvents {
  state: [state: LinkState];
  /** A valid command newer than any this process saw for its kind. */
  command: [command: DeviceCommand];
  /** A command payload that failed validation (counted, logged, never acted upon). */
  commandRejected: [rejected: RejectedCommand];
}

/**
 * The link of one device (truck or gateway) to the MQTT broker — the only place in `edge/`
 * that creates an MQTT client.
 *
 * - MQTT 3.1.1, persistent session (`clean: false`, client id = device id), so QoS 1 messages
 *   to the device wait for it while it is away;
 * - last will on `…/{deviceId}/online`: `offline`/`lost`, retained, QoS 1; `online`/`connected`
 *   is published retained at every connect and `offline`/`shutdown` at a clean stop;
 * - subscribes to its own `cmd/#` (QoS 1) and emits validated commands;
 * - drains the outbox in order, QoS 1, with a bounded window (`OutboxDrainer`);
 * - reconnects with exponential backoff and jitter.
 *
 * MQTT.js's own buffering is kept under control: QoS 0 is never queued offline
 * (`queueQoSZero: false`), nothing is published while disconnected, and MQTT.js's automatic
 * reconnect is off (`reconnectPeriod: 0`) so this class owns the timing; on each reconnect the
 * client's outgoing store is handed back explicitly, so unacknowledged QoS 1 publishes are
 * re-sent in order by MQTT.js before anything new. Across restarts the outbox is the store.
 */
export class DeviceLink extends EventEmitter<DeviceLinkEvents> {
  readonly deviceId: string;
  readonly deviceClass: DeviceClass;
  private readonly options: DeviceLinkOptions;
  private readonly log: Logger;
  private readonly backoff: ReconnectBackoff;
  private readonly drainer: OutboxDrainer;
  private readonly onlineTopic: string;
  private readonly onlineKind: MessageKind;
  private client: MqttClient | null = null;
  private linkState: LinkState = 'idle';
  private reconnectTimer: NodeJS.Timeout | null = null;
  private subscribedThisProcess = false;
  private readonly commandVersions = new Map<CommandKind, number>();
  private readonly counters = { connects: 0, connectionLosses: 0, invalidCommands: 0, staleCommands: 0 };
  private lastConnectedAt: string | null = null;
  private lastError: string | null = null;

  constructor(options: DeviceLinkOptions) {
    super();
    this.options = options;
    this.deviceId = options.deviceId;
    this.deviceClass = options.deviceClass;
    this.log = options.logger ?? pino({ name: 'edge:mqtt:link', level: process.env.LOG_LEVEL ?? 'info' });
    this.backoff = new ReconnectBackoff({ ...DEFAULT_BACKOFF, ...options.backoff });
    this.onlineKind = options.deviceClass === 'trucks' ? 'truckOnline' : 'gatewayOnline';
    this.onlineTopic = topicFor(this.onlineKind, options.deviceId);
    if (options.outbox.deviceId !== options.deviceId) {
      throw new EdgeError(
        EdgeErrorCode.Config,
        `outbox of ${options.outbox.deviceId} cannot be drained by the link of ${options.deviceId}`,
      );
    }
    const window = options.window ?? 16;
    if (!Number.isInteger(window) || window < 1 || window > 1000) {
      throw new EdgeError(EdgeErrorCode.Config, `link window must be an integer in 1…1000, got ${window}`);
    }
    this.drainer = new OutboxDrainer(
      options.outbox,
      (entry, done) => {
        const client = this.client;
        if (!client) return done(new EdgeError(EdgeErrorCode.LinkStopped, 'no MQTT client'));
        client.publish(entry.topic, entry.payload, { qos: entry.qos, retain: entry.retained }, (err) =>
          done(err ?? undefined),
        );
      },
      window,
      this.log,
    );
  }

  /** Current connection state. */
  get state(): LinkState {
    return this.linkState;
  }

  /** Connection state, backlog and counters. */
  status(): LinkStatus {
    const d = this.drainer.stats();
    return {
      state: this.linkState,
      backlog: this.options.outbox.isClosed ? 0 : this.options.outbox.backlog(),
      inFlight: d.inFlight,
      published: d.published,
      acked: d.acked,
      ...this.counters,
      lastConnectedAt: this.lastConnectedAt,
      lastError: this.lastError,
    };
  }

  /** Connects (and keeps reconnecting until `stop`). */
  start(): void {
    if (this.client) return;
    if (this.linkState === 'stopped') throw new EdgeError(EdgeErrorCode.LinkStopped, 'link was stopped');
    const o = this.options;
    const clientOptions: IClientOptions = {
      clientId: o.deviceId,
      clean: false,
      protocolVersion: 4,
      username: o.username ?? o.deviceId,
      keepalive: o.keepaliveS ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0,
      queueQoSZero: false,
      resubscribe: false,
      // mqtt-packet otherwise builds a cache of all 65,536 two-byte packet ids on the first
      // packet: 65,536 Buffers, about 6 MB of heap held for the process's life, to save
      // writing two bytes per packet.
      writeCache: false,
      will: this.will(),
    };
    if (o.password !== undefined) clientOptions.password = o.password;
    if (o.tls?.ca) clientOptions.ca = o.tls.ca;
    if (o.tls?.cert) clientOptions.cert = o.tls.cert;
    if (o.tls?.key) clientOptions.key = o.tls.key;
    if (o.url.startsWith('mqtts:')) clientOptions.rejectUnauthorized = true;
    this.setState('connecting');
    // TCP and TLS through our own stream builder; WebSocket URLs through MQTT.js's connect().
    const streamBuilder = brokerStreamBuilder(o.url, o.tls);
    const client = streamBuilder
      ? new mqtt.MqttClient(streamBuilder, clientOptions)
      : mqtt.connect(o.url, clientOptions);
    this.client = client;
    client.on('connect', (connack) => this.onConnect(client, connack));
    client.on('close', () => this.onClose(client));
    client.on('error', (err) => {
      this.lastError = err.message;
      this.log.warn({ err: err.message }, 'MQTT error');
    });
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain));
  }

  /**
   * Clean stop: publishes `offline`/`shutdown` (retained), lets the publishes in flight get
   * their PUBACKs (bounded by `stopTimeoutMs`), records those acks and disconnects, so the
   * broker drops the last will. Unacknowledged events stay in the outbox for the next start.
   */
  async stop(): Promise<void> {
    if (this.linkState === 'stopped') return;
    const client = this.client;
    this.setState('stopped');
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.drainer.pause();
    if (client) {
      const timeoutMs = this.options.stopTimeoutMs ?? 5000;
      let cleanly = false;
      if (client.connected) {
        const shutdown = this.onlinePayload('offline', 'shutdown', new Date());
        const published = client
          .publishAsync(this.onlineTopic, shutdown, { qos: 1, retain: true })
          .then(() => true)
          .catch((e: Error) => {
            this.log.warn({ err: e.message }, 'could not publish the shutdown state');
            return false;
          });
        const ok = await Promise.race([published, delay(timeoutMs).then(() => false)]);
        if (!ok) this.log.warn('shutdown state not acknowledged in time');
        // A graceful end waits for every PUBACK still due, then sends DISCONNECT.
        const ended = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
        cleanly = await Promise.race([ended.then(() => true), delay(timeoutMs).then(() => false)]);
      }
      // Not connected (nothing can be acknowledged) or the broker is not answering: cut.
      if (!cleanly) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
      this.client = null;
    }
    this.drainer.close();
    this.log.info(this.status(), 'link stopped');
  }

  private will(): NonNullable<IClientOptions['will']> {
    // `since` in a will is the time of the connection it stands for.
    return {
      topic: this.onlineTopic,
      payload: this.onlinePayload('offline', 'lost', new Date()),
      qos: 1,
      retain: true,
    };
  }

  private onlinePayload(state: OnlineState['state'], cause: OnlineState['cause'], at: Date): Buffer {
    const message: OnlineState = { deviceId: this.deviceId, state, cause, since: at.toISOString() };
    if (this.options.agentVersion) message.agentVersion = this.options.agentVersion;
    return encodeMessage(this.onlineKind, message);
  }

  private onConnect(client: MqttClient, connack: IConnackPacket): void {
    if (client !== this.client || this.linkState === 'stopped') return;
    this.counters.connects += 1;
    this.backoff.reset();
    this.lastConnectedAt = new Date().toISOString();
    this.log.info(
      { sessionPresent: connack.sessionPresent, backlog: this.options.outbox.backlog() },
      'connected to the broker',
    );
    client.publish(
      this.onlineTopic,
      this.onlinePayload('online', 'connected', new Date()),
      { qos: 1, retain: true },
      (err) => {
        if (err) this.log.warn({ err: err.message }, 'online state not acknowledged');
      },
    );
    if (!connack.sessionPresent || !this.subscribedThisProcess) this.subscribeCommands(client);
    this.setState('connected');
    this.drainer.resume();
  }

  private subscribeCommands(client: MqttClient): void {
    const filter = commandFilter(this.deviceClass, this.deviceId);
    client.subscribe(filter, { qos: 1 }, (err, granted) => {
      const refused = granted?.some((g) => g.qos === 128);
      if (err || refused) {
        this.subscribedThisProcess = false;
        this.lastError = err?.message ?? `subscription to ${filter} refused`;
        this.log.error(
          { filter, err: this.lastError },
          'command subscription failed; retried at next connect',
        );
        return;
      }
      this.subscribedThisProcess = true;
    });
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client || this.linkState === 'stopped') return;
    this.drainer.pause();
    this.counters.connectionLosses += 1;
    if (this.reconnectTimer) return;
    const wait = this.backoff.next();
    this.setState('disconnected');
    this.log.info(
      { retryInMs: wait, attempt: this.backoff.attempts, err: this.lastError },
      'broker connection down',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (client !== this.client || this.linkState === 'stopped') return;
      client.options.will = this.will();
      this.setState('connecting');
      // Hand MQTT.js its own stores back: by default `reconnect()` replaces them with empty
      // ones, which would orphan the publishes in flight.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, wait);
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    const r = decodeCommand(this.deviceId, topic, payload, retained);
    if (r.ok === 'cleared') {
      this.log.info({ topic }, 'retained command cleared by the cloud');
      return;
    }
    if (r.ok === false) {
      this.counters.invalidCommands += 1;
      this.log.warn({ ...r.rejected }, 'invalid command rejected');
      this.emit('commandRejected', r.rejected);
      return;
    }
    const { command } = r;
    const seen = this.commandVersions.get(command.kind) ?? 0;
    if (command.message.version <= seen) {
      this.counters.staleCommands += 1;
      this.log.debug({ topic, version: command.message.version, seen }, 'command already seen');
      return;
    }
    this.commandVersions.set(command.kind, command.message.version);
    this.log.info({ kind: command.kind, version: command.message.version }, 'command received');
    this.emit('command', command);
  }

  private setState(state: LinkState): void {
    if (state === this.linkState) return;
    this.linkState = state;
    this.emit('state', state);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
