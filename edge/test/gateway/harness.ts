/**
 * A gateway on simulated air: noble's real `Noble` on the simulated HCI binding, simulated
 * beacons and phones on a virtual clock, the real durable outbox in a temp directory, and a
 * log capture, so tests can inspect everything the gateway published, wrote and logged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AllowlistedBeacon, MessageOf } from '@releve/shared';
import {
  createNoble,
  RadioField,
  SimulatedHciBinding,
  VirtualClock,
} from '@releve/firmware-sim/beacons/index';
import { pino } from 'pino';
import { BeaconGateway } from '../../src/gateway/BeaconGateway.js';
import { GatewayConfig } from '../../src/gateway/GatewayConfig.js';
import { outboxPublisher } from '../../src/gateway/GatewayPublisher.js';
import { Outbox } from '../../src/outbox/Outbox.js';

export const GATEWAY_ID = 'gw-cosmo-1';

export type PublishedKind = 'sightings' | 'telemetry' | 'gatewayHealth' | 'footfall' | 'gatewayAlert';

export interface HarnessOptions {
  dataDir?: string;
  config?: Record<string, unknown>;
  allowlist?: AllowlistedBeacon[];
  seed?: number;
  lossRate?: number;
}

export class GatewayHarness {
  readonly dataDir: string;
  readonly clock = new VirtualClock();
  readonly binding = new SimulatedHciBinding();
  readonly noble = createNoble(this.binding);
  readonly field: RadioField;
  readonly outbox: Outbox;
  readonly gateway: BeaconGateway;
  readonly logs: string[] = [];
  #ownsDir: boolean;

  constructor(o: HarnessOptions = {}) {
    this.#ownsDir = o.dataDir === undefined;
    this.dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'releve-gw-'));
    this.field = new RadioField({
      clock: this.clock,
      binding: this.binding,
      seed: o.seed ?? 1,
      lossRate: o.lossRate,
    });
    this.outbox = Outbox.open({
      dataDir: this.dataDir,
      deviceId: GATEWAY_ID,
      deviceClass: 'gateways',
      logger: pino({ level: 'silent' }),
    });
    const logs = this.logs;
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    const config = GatewayConfig.parse({
      gatewayId: GATEWAY_ID,
      dataDir: this.dataDir,
      broker: { url: 'mqtt://127.0.0.1:1' },
      ...o.config,
    });
    this.gateway = new BeaconGateway({
      config,
      publisher: outboxPublisher(this.outbox),
      clock: this.clock,
      noble: this.noble,
      logger: pino({ level: 'debug' }, sink),
    });
    if (o.allowlist) this.allow(o.allowlist, 1);
  }

  allow(beacons: AllowlistedBeacon[], version: number): void {
    this.gateway.applyCommand({
      kind: 'allowlist',
      message: { version, issuedAt: new Date(this.clock.now()).toISOString(), beacons },
    });
  }

  async start(): Promise<void> {
    await this.gateway.start();
  }

  /** Advances virtual time in 1 s steps, letting promises (scan restarts) settle in between. */
  async run(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      this.clock.advance(Math.min(1000, ms - t));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Everything the gateway handed to the outbox, decoded, in order. */
  published<K extends PublishedKind>(kind: K): MessageOf<K>[] {
    return this.outbox
      .peek(1_000_000)
      .filter((e) => e.kind === kind)
      .map((e) => JSON.parse(e.payload.toString('utf8')) as MessageOf<K>);
  }

  /** Every payload as text (for privacy checks). */
  allPayloadText(): string {
    if (this.outbox.isClosed) return '';
    return this.outbox
      .peek(1_000_000)
      .map((e) => `${e.topic} ${e.payload.toString('utf8')}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    this.field.stop();
    await this.gateway.stop();
    if (!this.outbox.isClosed) this.outbox.close();
  }

  cleanup(): void {
    if (this.#ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** An allowlist entry. */
export function allowed(beaconId: string, address: string | null, extra: Partial<AllowlistedBeacon> = {}) {
  return { beaconId, address, name: beaconId.slice(0, 30), lat: 43.65, lon: 3.55, ...extra };
}
