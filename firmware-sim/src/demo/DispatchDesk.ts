import { EventEmitter } from 'node:events';
import {
  type BeaconSightingsBatch,
  decodeMessage,
  encodeMessage,
  filterFor,
  type MessageKind,
  type TruckStatus,
  topicFor,
} from '@releve/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { routeCommandOf } from '../truck/RouteFile.js';
import type { DemoFleet } from './DemoFleet.js';

/** What the desk has seen per device since it connected. */
export interface FleetCounts {
  lifts: Record<string, number>;
  sightingBatches: Record<string, number>;
  /** Distinct beacons each gateway reported. */
  beaconsHeard: Record<string, Set<string>>;
  /** Latest status per truck. */
  status: Record<string, TruckStatus>;
}

interface DeskEvents {
  /** A truck's advice changed. */
  advice: [truckId: string, status: TruckStatus];
}

const WATCHED: MessageKind[] = ['lift', 'truckStatus', 'sightings'];

/**
 * The demo's dispatch desk on the broker (the one file of the runner that creates an MQTT
 * client): publishes what a route planner would push — each truck's route (retained
 * `RouteCommand`) — and watches lifts, truck statuses and sightings to print progress. The
 * gateways' allowlists are the cloud's to push (its `AllowlistPublisher`, from the registry).
 * It connects as an ingest-role user (reads device topics, writes commands).
 */
export class DispatchDesk extends EventEmitter<DeskEvents> {
  readonly counts: FleetCounts = { lifts: {}, sightingBatches: {}, beaconsHeard: {}, status: {} };
  #client: MqttClient | null = null;
  /** QoS 1 may deliver a lift twice: counted once. */
  readonly #liftIds = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly username: string,
    private readonly password: string,
  ) {
    super();
  }

  /** Connects and subscribes. */
  async connect(): Promise<void> {
    const client = await mqtt.connectAsync(this.url, {
      clientId: `${this.username}-${process.pid}`,
      username: this.username,
      password: this.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.#client = client;
    client.on('message', (topic, payload) => this.#receive(topic, payload));
    await client.subscribeAsync(
      WATCHED.map((k) => filterFor(k)),
      { qos: 1 },
    );
  }

  /** Pushes every truck's route, retained, version = now. */
  async pushRoutes(fleet: DemoFleet, now = new Date()): Promise<void> {
    const client = this.#requireClient();
    const version = Math.floor(now.getTime() / 1000);
    for (const t of fleet.trucks) {
      const cmd = routeCommandOf(t.route, version, now);
      await client.publishAsync(topicFor('route', t.truckId), encodeMessage('route', cmd), {
        qos: 1,
        retain: true,
      });
    }
  }

  /** Disconnects. */
  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    await c?.endAsync();
  }

  #requireClient(): MqttClient {
    if (!this.#client) throw new Error('DispatchDesk is not connected');
    return this.#client;
  }

  #receive(topic: string, payload: Buffer): void {
    const r = decodeMessage(topic, payload);
    if (!r.ok) return;
    const id = r.topic.deviceId;
    const c = this.counts;
    switch (r.topic.kind) {
      case 'lift': {
        const liftId = (r.message as { id: string }).id;
        if (this.#liftIds.has(liftId)) break;
        this.#liftIds.add(liftId);
        c.lifts[id] = (c.lifts[id] ?? 0) + 1;
        break;
      }
      case 'sightings': {
        c.sightingBatches[id] = (c.sightingBatches[id] ?? 0) + 1;
        const heard = c.beaconsHeard[id] ?? new Set<string>();
        c.beaconsHeard[id] = heard;
        for (const s of (r.message as BeaconSightingsBatch).beacons) heard.add(s.beaconId);
        break;
      }
      case 'truckStatus': {
        const status = r.message as TruckStatus;
        const before = c.status[id];
        c.status[id] = status;
        if (!before || before.advice.action !== status.advice.action || before.tripSeq !== status.tripSeq)
          this.emit('advice', id, status);
        break;
      }
      default:
        break;
    }
  }
}
