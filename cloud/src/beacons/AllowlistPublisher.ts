import {
  type AllowlistedBeacon,
  type BeaconAllowlistCommand,
  decodeMessage,
  encodeMessage,
  filterFor,
  MAX_PAYLOAD_BYTES,
  parseTopic,
  topicFor,
} from '@releve/shared';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import pino from 'pino';
import { assignBeacons, type BeyondReach, DEFAULT_ALLOWLIST_RADIUS_M } from './AllowlistAssignment.js';
import type { GatewayPlace } from './BeaconStatus.js';
import { distanceM } from './geo.js';

/** The registry as the allowlists need it. */
export interface AllowlistRegistry {
  gateways(): GatewayPlace[];
  /** Every registered beacon, as `AllowlistedBeacon` fields. */
  allowlist(): AllowlistedBeacon[];
}

/** What a gateway holds (its retained command), as far as the cloud knows. */
export interface PushedAllowlist {
  version: number;
  /** The beacons, serialised: equal text means nothing to push. */
  content: string;
}

/** Most beacons one command may carry (`BeaconAllowlistCommand` schema). */
const MAX_BEACONS = 10_000;
/** Room for the command's header and the array's brackets. */
const HEADER_BYTES = 200;

/**
 * The allowlist of one gateway from the beacons assigned to it (`assignBeacons`): past the
 * command's limits (10,000 beacons, 512 KiB) the nearest beacons win. Sorted by beacon id, so
 * the same registry always gives the same text.
 */
export function allowlistFor(
  gateway: GatewayPlace,
  beacons: readonly AllowlistedBeacon[],
): AllowlistedBeacon[] {
  const byDistance = [...beacons].sort((a, b) => distanceM(gateway, a) - distanceM(gateway, b));
  const kept: AllowlistedBeacon[] = [];
  let bytes = HEADER_BYTES;
  for (const b of byDistance) {
    bytes += JSON.stringify(b).length + 1;
    if (kept.length >= MAX_BEACONS || bytes > MAX_PAYLOAD_BYTES) break;
    kept.push(b);
  }
  return kept.sort((a, b) => (a.beaconId < b.beaconId ? -1 : a.beaconId > b.beaconId ? 1 : 0));
}

/**
 * The commands to publish: one per gateway whose allowlist (the registered beacons within
 * `radiusM` of it, `assignBeacons`) differs from what it holds. The version is above the one
 * in force and at least the Unix time in seconds (what an operator's tool publishing by hand
 * would use), so a gateway never takes it for old. `clears` are the gateways that hold a
 * retained allowlist but are not in the registry (removed, or never registered): theirs is to
 * be cleared, so that the broker no longer hands them the operator's beacons.
 */
export function allowlistCommands(
  registry: { gateways: GatewayPlace[]; beacons: AllowlistedBeacon[] },
  pushed: ReadonlyMap<string, PushedAllowlist>,
  now: Date,
  radiusM: number = DEFAULT_ALLOWLIST_RADIUS_M,
): {
  commands: { gatewayId: string; command: BeaconAllowlistCommand; content: string; left: number }[];
  clears: { gatewayId: string; version: number }[];
  beyondReach: BeyondReach[];
} {
  const { lists, beyondReach } = assignBeacons(registry.gateways, registry.beacons, radiusM);
  const commands = [];
  for (const g of registry.gateways) {
    const assigned = lists.get(g.gatewayId) ?? [];
    const beacons = allowlistFor(g, assigned);
    const content = JSON.stringify(beacons);
    const held = pushed.get(g.gatewayId);
    if (held?.content === content) continue;
    const version = Math.max((held?.version ?? 0) + 1, Math.floor(now.getTime() / 1000));
    commands.push({
      gatewayId: g.gatewayId,
      command: { version, issuedAt: now.toISOString(), beacons },
      content,
      left: assigned.length - beacons.length,
    });
  }
  const registered = new Set(registry.gateways.map((g) => g.gatewayId));
  const clears = [...pushed]
    .filter(([gatewayId]) => !registered.has(gatewayId))
    .map(([gatewayId, held]) => ({ gatewayId, version: held.version }));
  return { commands, clears, beyondReach };
}

export interface AllowlistPublisherOptions {
  registry: AllowlistRegistry;
  /** Broker URL and credentials of an in-process service (ingest role: writes `cmd/…`). */
  connection: () => { url: string; username: string; password: string };
  /**
   * How often the registry is read (default 5 s); the allowlists are worked out again only
   * when it, or a retained command, changed since the last push.
   */
  everyMs?: number;
  /** A gateway lists the registered beacons within this distance of it, metres (default 150). */
  radiusM?: number;
  /** Wait after subscribing for the broker's retained commands before the first push (default 2 s). */
  settleMs?: number;
  clock?: () => Date;
  logger?: Logger;
}

/**
 * Pushes each registered gateway its allowlist (`…/gateways/{id}/cmd/allowlist`, QoS 1,
 * retained, so a gateway gets it at every connect). A cloud feature started by
 * `releve-cloud serve` (`beacons.pushAllowlists`): `start()` connects, reads the retained
 * commands (what every gateway holds), then reads the registry every `everyMs` and publishes
 * only what changed. A gateway that holds a retained allowlist but is not in the registry
 * (removed from it, or already gone at start) has it cleared: a zero-length retained payload
 * on its topic, which deletes the retained message (MQTT 3.1.1 §3.3.1.3) and which the
 * gateway takes as a clear, not an error (`edge/src/mqtt/commands.ts`). Nothing signals a
 * registry change: `releve-cloud registry import` is another process committing to the same
 * SQLite file (and the ingest's writer thread commits there all the time, so SQLite's
 * `data_version` says nothing about the registry), hence the registry itself is compared with
 * the last one pushed. Its MQTT client publishes commands
 * only; the ingest's client consumes device events.
 */
export class AllowlistPublisher {
  readonly name = 'beacon-allowlist';
  readonly #o: AllowlistPublisherOptions;
  readonly #log: Logger;
  readonly #pushed = new Map<string, PushedAllowlist>();
  #client: MqttClient | null = null;
  #timers: NodeJS.Timeout[] = [];
  #busy = false;
  /** The registry (gateways and beacons, as text) the allowlists were last worked out from. */
  #synced: string | null = null;
  /** A retained command changed what a gateway holds since then. */
  #heldChanged = false;
  /** The registry whose beacons beyond reach were last logged (once per registry). */
  #warnedFor: string | null = null;

  constructor(o: AllowlistPublisherOptions) {
    this.#o = o;
    this.#log = (o.logger ?? pino({ level: 'info' })).child({ name: 'cloud:beacons:allowlist' });
  }

  /** What each gateway holds, as far as this publisher knows. */
  get pushed(): ReadonlyMap<string, PushedAllowlist> {
    return this.#pushed;
  }

  async start(): Promise<void> {
    if (this.#client) return;
    const c = this.#o.connection();
    const client = await mqtt.connectAsync(c.url, {
      clientId: `releve-cloud-allowlist-${process.pid}`,
      username: c.username || undefined,
      password: c.password || undefined,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.#client = client;
    client.on('message', (topic, payload) => this.#heldByGateway(topic, payload));
    await client.subscribeAsync(filterFor('allowlist'), { qos: 1 });
    const first = setTimeout(() => void this.sync(), this.#o.settleMs ?? 2000);
    const every = setInterval(() => void this.sync(), this.#o.everyMs ?? 5000);
    first.unref();
    every.unref();
    this.#timers.push(first, every);
  }

  async stop(): Promise<void> {
    for (const t of this.#timers.splice(0)) clearTimeout(t);
    const client = this.#client;
    this.#client = null;
    await client?.endAsync();
  }

  /**
   * Publishes every allowlist that differs from what its gateway holds, and clears those of
   * gateways not in the registry; returns how many messages that took.
   */
  async sync(now: Date = (this.#o.clock ?? (() => new Date()))()): Promise<number> {
    const client = this.#client;
    if (!client?.connected || this.#busy) return 0;
    this.#busy = true;
    try {
      const r = this.#o.registry;
      const registry = { gateways: r.gateways(), beacons: r.allowlist() };
      const text = JSON.stringify(registry);
      if (text === this.#synced && !this.#heldChanged) return 0;
      this.#heldChanged = false;
      const {
        commands: todo,
        clears,
        beyondReach,
      } = allowlistCommands(registry, this.#pushed, now, this.#o.radiusM ?? DEFAULT_ALLOWLIST_RADIUS_M);
      if (beyondReach.length > 0 && text !== this.#warnedFor) {
        this.#warnedFor = text;
        this.#log.warn(
          { count: beyondReach.length, beacons: beyondReach.slice(0, 20) },
          'beacons beyond every gateway’s allowlist radius: listed by their nearest gateway',
        );
      }
      for (const t of todo) {
        await client.publishAsync(topicFor('allowlist', t.gatewayId), encodeMessage('allowlist', t.command), {
          qos: 1,
          retain: true,
        });
        this.#pushed.set(t.gatewayId, { version: t.command.version, content: t.content });
        const log = { gatewayId: t.gatewayId, version: t.command.version, beacons: t.command.beacons.length };
        if (t.left > 0) this.#log.warn({ ...log, left: t.left }, 'allowlist full: farthest beacons left out');
        else this.#log.info(log, 'allowlist pushed');
      }
      for (const c of clears) {
        await client.publishAsync(topicFor('allowlist', c.gatewayId), Buffer.alloc(0), {
          qos: 1,
          retain: true,
        });
        this.#pushed.delete(c.gatewayId);
        this.#log.info(
          { gatewayId: c.gatewayId, version: c.version },
          'allowlist cleared: gateway not in the registry',
        );
      }
      this.#synced = text;
      return todo.length + clears.length;
    } catch (e) {
      this.#log.error({ err: e }, 'allowlist push failed; retried at the next tick');
      return 0;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * A retained (or our own) allowlist command: remember what that gateway holds. A zero-length
   * payload is a clear (ours, or by hand): the gateway holds nothing retained any more, so a
   * registered one gets its allowlist again at the next tick.
   */
  #heldByGateway(topic: string, payload: Buffer): void {
    if (payload.length === 0) {
      const t = parseTopic(topic);
      if (t?.kind === 'allowlist' && this.#pushed.delete(t.deviceId)) this.#heldChanged = true;
      return;
    }
    const r = decodeMessage(topic, payload);
    if (!r.ok || r.topic.kind !== 'allowlist') return;
    const m = r.message as BeaconAllowlistCommand;
    const held = this.#pushed.get(r.topic.deviceId);
    if (held && held.version >= m.version) return;
    const content = JSON.stringify(m.beacons);
    if (held?.content !== content) this.#heldChanged = true;
    this.#pushed.set(r.topic.deviceId, { version: m.version, content });
  }
}
