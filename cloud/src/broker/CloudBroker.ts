import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { Level } from 'level';
import { MESSAGES, parseTopic } from '@releve/shared';
import type { Logger } from 'pino';
import { BrokerGatekeeper } from './BrokerGatekeeper.js';
import { type FrameViolation, GuardedConnection } from './GuardedConnection.js';
import { listenTcp, listenTls, listenWebSocket, type MqttListener } from './MqttListeners.js';
import { generateSecret } from './PasswordHash.js';

/** Longest `stop()` waits for accepted publishes to reach the store. */
const STOP_DRAIN_MS = 5000;

/**
 * The errors aedes 1.x raises when it refuses a PUBLISH topic itself, before `authorizePublish`
 * is asked (lib/handlers/publish.js `handlePublish`): wildcards, an empty topic, too many
 * levels. aedes reports them only as a `clientError` with this text and no code, so the text is
 * the only way to tell them from a dropped connection.
 */
const AEDES_PUBLISH_TOPIC_REFUSALS: ReadonlySet<string> = new Set([
  '# is not allowed in PUBLISH',
  '+ is not allowed in PUBLISH',
  'empty topic not allowed in PUBLISH',
  'topic has too many levels',
]);

/** One listener to open; port 0 picks a free port (see `CloudBroker.ports`). */
export interface ListenerSpec {
  host: string;
  port: number;
}

/** Everything the broker needs; see `CloudConfig` for the documented defaults. */
export interface CloudBrokerOptions {
  /** Directory of the LevelDB session store; null keeps sessions in memory (tests, benchmarks). */
  dataDir: string | null;
  mqtt: ListenerSpec | null;
  mqtts: (ListenerSpec & { certFile: string; keyFile: string }) | null;
  ws: ListenerSpec | null;
  passwordFile: string | null;
  aclFile: string | null;
  allowAnonymous: boolean;
  /** Largest MQTT packet accepted, fixed header included; bigger closes the connection. */
  maxPacketBytes: number;
  /**
   * Turn authentication and ACL checks off entirely (every client accepted). Only for the
   * benchmark's baseline; never reachable from configuration.
   */
  unsafeNoChecks?: boolean;
  logger: Logger;
}

/**
 * Takes device → cloud messages at the broker's door (see `BrokerDoorIngest`): `accept` resolves
 * once a message is durable, and only then is the PUBLISH acknowledged; `acceptState` takes a
 * published retained state (online, last will) after the fact.
 */
export interface DeviceIngress {
  accept(topic: string, payload: Uint8Array): Promise<void>;
  acceptState(topic: string, payload: Uint8Array): void;
}

/** Username of the cloud's in-process services (never in the password file). */
export const INTERNAL_USER = 'releve-cloud-internal';

/** Where and as whom an in-process service connects. */
export interface InternalConnection {
  url: string;
  username: string;
  password: string;
}

/** Real ports of the open listeners. */
export interface BrokerPorts {
  mqtt?: number;
  mqtts?: number;
  ws?: number;
}

/**
 * The cloud MQTT broker: aedes 1.x (MQTT 3.1.1) with Mosquitto-compatible password and ACL
 * files, TCP/TLS/WebSocket listeners, a packet size limit, and sessions, subscriptions and
 * queued QoS 1 messages kept in LevelDB so they survive a restart.
 *
 * No durable mqemitter: it only matters when several broker processes share subscriptions,
 * and the cloud runs one broker.
 */
export class CloudBroker {
  private aedes: Aedes | null = null;
  private persistence: AsyncLevelPersistence | null = null;
  private listeners: MqttListener[] = [];
  private readonly gatekeeper: BrokerGatekeeper;
  private readonly log: Logger;
  /** Client publishes authorised but not yet through aedes' publish pipeline (store, fan-out). */
  private inFlight = 0;
  private internalSecret: string | null = null;
  private ingress: DeviceIngress | null = null;

  constructor(private readonly opts: CloudBrokerOptions) {
    this.log = opts.logger;
    this.gatekeeper = new BrokerGatekeeper({
      passwordFile: opts.passwordFile,
      aclFile: opts.aclFile,
      allowAnonymous: opts.allowAnonymous,
      logger: opts.logger,
    });
  }

  /**
   * How the cloud's in-process services connect: loopback URL of the first open listener and
   * the internal user (ingest role), whose secret is made at start and never written anywhere.
   */
  internalConnection(): InternalConnection {
    if (!this.internalSecret) throw new Error('broker not started');
    const p = this.ports;
    const url =
      p.mqtt !== undefined
        ? `mqtt://127.0.0.1:${p.mqtt}`
        : p.ws !== undefined
          ? `ws://127.0.0.1:${p.ws}`
          : `mqtts://127.0.0.1:${p.mqtts}`;
    return { url, username: INTERNAL_USER, password: this.internalSecret };
  }

  /** Hands device → cloud messages to `ingress` before they are acknowledged (null: nobody). */
  setIngress(ingress: DeviceIngress | null): void {
    this.ingress = ingress;
  }

  /** Connected clients by class: trucks, gateways, and services (everything else). */
  clientCounts(): Record<'trucks' | 'gateways' | 'service', number> {
    const counts = { trucks: 0, gateways: 0, service: 0 };
    const clients =
      (this.aedes as unknown as { clients?: Record<string, { id: string }> } | null)?.clients ?? {};
    for (const c of Object.values(clients)) counts[this.gatekeeper.deviceClassOf(c.id) ?? 'service'] += 1;
    return counts;
  }

  /** Real ports of the open listeners. */
  get ports(): BrokerPorts {
    const p: BrokerPorts = {};
    for (const l of this.listeners) p[l.transport] = l.port;
    return p;
  }

  /** Loads credentials, opens the store and the listeners. Throws `CloudError` on failure. */
  async start(): Promise<void> {
    const o = this.opts;
    let hooks: Partial<AedesOptions> = {};
    if (!o.unsafeNoChecks) {
      await this.gatekeeper.load();
      this.internalSecret = generateSecret();
      await this.gatekeeper.setInternalUser(INTERNAL_USER, this.internalSecret);
      hooks = this.gatekeeper.hooks();
      if (o.allowAnonymous) this.log.warn('anonymous MQTT access is ON: clients without a username get in');
      if (!o.aclFile) this.log.warn('no ACL file: every authenticated client may read and write every topic');
    }
    if (o.dataDir) {
      const dir = join(o.dataDir, 'mqtt-sessions');
      await mkdir(dir, { recursive: true });
      this.persistence = new AsyncLevelPersistence(new Level<string, Buffer>(dir));
    }
    const aedes = new Aedes({
      ...hooks,
      ...this.countInFlight(hooks),
      ...(this.persistence ? { persistence: this.persistence } : {}),
    });
    aedes.on('clientError', (client: Client, err: Error) => {
      const who = { clientId: client.id, username: this.gatekeeper.usernameOf(client), err: err.message };
      if (AEDES_PUBLISH_TOPIC_REFUSALS.has(err.message)) {
        // a topic escape, refused like the ACL's refusals (which log their own warning)
        this.log.warn(who, 'publish refused: topic not allowed in PUBLISH; connection closed');
      } else {
        this.log.info(who, 'client error; connection closed');
      }
    });
    aedes.on('connectionError', (client: Client, err: Error) =>
      this.log.info({ clientId: client.id, err: err.message }, 'connection error before CONNECT completed'),
    );
    aedes.on('clientDisconnect', (client: Client) => this.log.debug({ clientId: client.id }, 'client left'));
    await aedes.listen();
    this.aedes = aedes;
    try {
      const handler = (stream: Duplex, remote: string, req?: IncomingMessage) =>
        this.accept(stream, remote, req);
      if (o.mqtt) this.listeners.push(await listenTcp(o.mqtt.host, o.mqtt.port, handler));
      if (o.mqtts) {
        const onTlsError = (remote: string, err: Error) =>
          this.log.warn({ remote, err: err.message }, 'TLS handshake failed; connection closed');
        this.listeners.push(await listenTls(o.mqtts.host, o.mqtts.port, o.mqtts, handler, onTlsError));
      }
      if (o.ws)
        this.listeners.push(await listenWebSocket(o.ws.host, o.ws.port, o.maxPacketBytes + 16, handler));
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.log.info(
      { ports: this.ports, dataDir: o.dataDir, maxPacketBytes: o.maxPacketBytes },
      'MQTT broker listening',
    );
  }

  /** Re-reads the password file, the ACL file and the TLS files (what SIGHUP does). */
  async reload(): Promise<boolean> {
    let ok = await this.gatekeeper.reload();
    for (const l of this.listeners) {
      await l.reload().catch((e: unknown) => {
        ok = false;
        this.log.error({ err: e }, 'TLS reload failed; previous certificate stays in use');
      });
    }
    return ok;
  }

  /**
   * Closes listeners and client connections, lets accepted publishes reach the store (aedes
   * sends PUBACK before it queues a QoS 1 message for offline subscribers), then closes the
   * broker and the store. Safe to call twice.
   */
  async stop(): Promise<void> {
    const listeners = this.listeners;
    this.listeners = [];
    const aedes = this.aedes;
    this.aedes = null;
    const closing = listeners.map((l) => l.close());
    const drainUntil = Date.now() + STOP_DRAIN_MS;
    while (this.inFlight > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
    if (this.inFlight > 0)
      this.log.warn({ inFlight: this.inFlight }, 'stopping with publishes still in flight');
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    await Promise.all(closing);
    const p = this.persistence;
    this.persistence = null;
    if (p) await p.destroy();
    this.log.info('MQTT broker stopped');
  }

  /** Wraps `authorizePublish`/`published` to count client publishes between PUBACK and the store. */
  private countInFlight(hooks: Partial<AedesOptions>): Pick<AedesOptions, 'authorizePublish' | 'published'> {
    const authorize: NonNullable<AedesOptions['authorizePublish']> =
      hooks.authorizePublish ?? ((_client, _packet, cb) => cb(null));
    return {
      authorizePublish: (client, packet, cb) =>
        authorize(client, packet, (err) => {
          if (err || !client) return cb(err);
          const kind = this.ingress ? parseTopic(packet.topic)?.kind : undefined;
          if (
            !this.ingress ||
            kind === undefined ||
            MESSAGES[kind].direction !== 'device-to-cloud' ||
            MESSAGES[kind].retained
          ) {
            this.inFlight++;
            return cb(null);
          }
          // a device event: durable before the PUBACK (aedes sends it right after this callback)
          this.ingress.accept(packet.topic, packet.payload as Buffer).then(
            () => {
              this.inFlight++;
              cb(null);
            },
            (e: unknown) => {
              this.log.warn(
                { clientId: client.id, topic: packet.topic, err: (e as Error).message },
                'message not stored; not acknowledged, connection closed',
              );
              cb(e as Error);
            },
          );
        }),
      published: (packet, client, done) => {
        if (client && this.inFlight > 0) this.inFlight--;
        const kind = this.ingress ? parseTopic(packet.topic)?.kind : undefined;
        if (
          this.ingress &&
          kind !== undefined &&
          MESSAGES[kind].direction === 'device-to-cloud' &&
          MESSAGES[kind].retained &&
          packet.payload.length > 0
        ) {
          this.ingress.acceptState(packet.topic, packet.payload as Buffer);
        }
        done();
      },
    };
  }

  private accept(stream: Duplex, remote: string, req?: IncomingMessage): void {
    const aedes = this.aedes;
    if (!aedes) {
      stream.destroy();
      return;
    }
    let client: Client | null = null;
    const conn = new GuardedConnection(stream, this.opts.maxPacketBytes, (v: FrameViolation) => {
      this.log.warn(
        { clientId: client?.id ?? null, remote, violation: v, maxPacketBytes: this.opts.maxPacketBytes },
        v.problem === 'oversize'
          ? 'packet over the size limit; connection closed'
          : 'malformed packet; connection closed',
      );
    });
    client = aedes.handle(conn, req);
  }
}
