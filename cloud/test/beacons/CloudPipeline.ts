import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, type MessageKind, type MessageOf, topicFor } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { HttpApi } from '../../src/api/HttpApi.js';
import { Readiness } from '../../src/api/Readiness.js';
import { ApiTokenStore } from '../../src/auth/ApiTokenStore.js';
import type { Role } from '../../src/auth/roles.js';
import { BeaconFleet } from '../../src/beacons/BeaconFleet.js';
import type { FleetRules } from '../../src/beacons/FleetRules.js';
import { CloudBroker } from '../../src/broker/CloudBroker.js';
import { formatPasswordHash, hashPassword } from '../../src/broker/PasswordHash.js';
import { Ingest } from '../../src/ingest/Ingest.js';
import { Store } from '../../src/store/Store.js';

/** A registered gateway or beacon of a scenario. */
export interface Place {
  id: string;
  lat: number;
  lon: number;
}

/** Metres north of a point as a latitude difference (1° ≈ 111,195 m on the mean sphere). */
export const northOf = (p: { lat: number; lon: number }, m: number) => ({
  lat: p.lat + m / 111_195,
  lon: p.lon,
});

/**
 * The cloud side of the beacon network as it runs: the embedded broker on an ephemeral port,
 * the real ingest writing a SQLite store in a temp directory, the HTTP API with the beacon
 * fleet, and MQTT clients standing for gateways (or a real gateway connected by the test).
 */
export class CloudPipeline {
  readonly dir = mkdtempSync(join(tmpdir(), 'releve-fleet-'));
  readonly logger = pino({ level: 'silent' });
  readonly store = Store.open({ dataDir: this.dir, synchronous: 'normal', logger: this.logger });
  broker: CloudBroker | null = null;
  readonly fleet: BeaconFleet;
  readonly tokens = new ApiTokenStore(this.store.db);
  ingest: Ingest | null = null;
  api: HttpApi | null = null;
  #clients = new Map<string, MqttClient>();

  constructor(rules: Partial<FleetRules> = {}) {
    this.fleet = new BeaconFleet(this.store.db, { rules, logger: this.logger });
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.broker?.ports.mqtt}`;
  }

  /** The password of a device that logs in with a username (as the real gateway does). */
  static passwordOf(deviceId: string): string {
    return `pw-${deviceId}`;
  }

  /** Registers gateways and beacons (as `registry import` would), beacons registered at `registeredAt`. */
  register(gateways: Place[], beacons: (Place & { address?: string })[], registeredAt: string): void {
    const g = this.store.db.prepare('INSERT INTO gateways (gateway_id, name, lat, lon) VALUES (?, ?, ?, ?)');
    const b = this.store.db.prepare(
      'INSERT INTO beacons (beacon_id, address, name, lat, lon, registered_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const x of gateways) g.run(x.id, `Gateway ${x.id}`, x.lat, x.lon);
    for (const x of beacons)
      b.run(x.id, x.address ?? null, `Beacon ${x.id.slice(-4)}`, x.lat, x.lon, registeredAt);
  }

  /**
   * Starts broker, ingest and API. `users` get a password file entry (`passwordOf`); clients
   * without a username are let in anonymously; no ACL.
   */
  async start(users: string[] = []): Promise<void> {
    const passwordFile = join(this.dir, 'passwords');
    const lines = await Promise.all(
      users.map(async (u) => `${u}:${formatPasswordHash(await hashPassword(CloudPipeline.passwordOf(u)))}`),
    );
    writeFileSync(passwordFile, lines.map((l) => `${l}\n`).join(''));
    this.broker = new CloudBroker({
      dataDir: null,
      mqtt: { host: '127.0.0.1', port: 0 },
      mqtts: null,
      ws: null,
      passwordFile: users.length > 0 ? passwordFile : null,
      aclFile: null,
      allowAnonymous: true,
      maxPacketBytes: 1024 * 1024,
      logger: this.logger,
    });
    await this.broker.start();
    this.ingest = new Ingest({
      url: this.url,
      clientId: 'fleet-test-ingest',
      store: this.store,
      logger: this.logger,
    });
    await this.ingest.start();
    this.api = new HttpApi({
      host: '127.0.0.1',
      port: 0,
      store: this.store,
      tokens: this.tokens,
      metrics: new CloudMetrics(false),
      readiness: new Readiness(),
      beaconFleet: this.fleet,
      logger: this.logger,
    });
    await this.api.start();
  }

  /** Publishes device messages QoS 1 as `deviceId` and waits until the ingest stored them all. */
  async send<K extends MessageKind>(kind: K, deviceId: string, messages: MessageOf<K>[]): Promise<void> {
    let client = this.#clients.get(deviceId);
    if (!client) {
      client = await mqtt.connectAsync(this.url, { clientId: deviceId, protocolVersion: 4, clean: true });
      this.#clients.set(deviceId, client);
    }
    const before = this.ingest?.stats().stored ?? 0;
    for (const m of messages)
      await client.publishAsync(topicFor(kind, deviceId), encodeMessage(kind, m), { qos: 1 });
    await waitFor(
      () => (this.ingest?.stats().stored ?? 0) - before >= messages.length,
      20_000,
      `${messages.length} ${kind} stored`,
    );
  }

  /** GET on the API with a token of `role`. */
  async get(path: string, role: Role = 'beacon-operator'): Promise<Response> {
    const token = this.tokens.issue(role, `test ${role}`).secret;
    return fetch(`${this.api?.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  }

  async stop(): Promise<void> {
    for (const c of this.#clients.values()) await c.endAsync(true);
    await this.api?.stop();
    await this.ingest?.stop();
    await this.broker?.stop();
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
