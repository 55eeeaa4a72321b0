/**
 * The beacon gateway's wiring: scanner → decoders → per-beacon trackers → batches, telemetry,
 * alerts, health and footfall → publisher (the outbox). `start()`/`stop()` own every timer and
 * listener they create.
 *
 * Privacy rule, enforced here: a device that is not allowlisted is never published, logged,
 * or written to disk, by address or by hash. Its address lives in memory only (noble's cache,
 * purged; the footfall set, salted, dropped every window).
 */
import type {
  AlertKind,
  AllowlistedBeacon,
  BeaconAllowlistCommand,
  GatewayConfigCommand,
  GatewayHealth,
} from '@releve/shared';
import {
  beaconIdOf,
  type BleFrameErrorCode,
  decodeAdvertisement,
  powerAt1mDbm,
} from '@releve/shared/protocols/ble/index';
import { type Logger, pino } from 'pino';
import { BleScanner, type ScanReport } from '../ble/BleScanner.js';
import type { NobleLike } from '../ble/noble-types.js';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import { Allowlist } from './Allowlist.js';
import { BeaconTracker } from './BeaconTracker.js';
import { type Clock, isoTime, systemClock } from './Clock.js';
import { FootfallCounter } from './FootfallCounter.js';
import type { GatewayConfig } from './GatewayConfig.js';
import type { GatewayPublisher } from './GatewayPublisher.js';
import { ScanWatchdog } from './ScanWatchdog.js';

export interface BeaconGatewayOptions {
  config: GatewayConfig;
  publisher: GatewayPublisher;
  clock?: Clock;
  /** A noble instance to scan with (the simulator's); default: the real one, loaded lazily. */
  noble?: NobleLike;
  logger?: Logger;
  /** Turn noble's cache purge off: only for the benchmark that shows why it exists. */
  scannerPurge?: boolean;
}

/** Per-beacon alerts are repeated at most this often. */
const ALERT_REPEAT_MS = 15 * 60_000;
/** Allowlisted addresses heard without an id frame for this long are forgotten. */
const ADDRESS_MEMORY_MS = 10 * 60_000;
/**
 * More packets than this many times what the expected interval allows: two transmitters share
 * the id. (Counting, not the median gap: two interleaved beacons give gaps a and T − a, whose
 * median can be close to T.)
 */
const CLONE_RATE_RATIO = 1.6;
/** How often a gateway without a usable adapter tries again. */
const ADAPTER_RETRY_MS = 30_000;

type ScannerHealth = GatewayHealth['scanner'];

export class BeaconGateway {
  readonly allowlist: Allowlist;
  readonly scanner: BleScanner;
  #config: GatewayConfig;
  #pub: GatewayPublisher;
  #clock: Clock;
  #log: Logger;
  #trackers = new Map<string, BeaconTracker>();
  /** Allowlisted beacons' addresses → beacon id, for TLM/URL frames (no id of their own). */
  #addressToBeacon = new Map<string, { beaconId: string; atMs: number }>();
  #lastAlert = new Map<string, number>();
  #footfall: FootfallCounter | null = null;
  #watchdog: ScanWatchdog;
  #timers: (() => void)[] = [];
  #configVersion = 0;
  #running = false;
  #adapterRetry: (() => void) | null = null;
  #startedAtMs = 0;
  #scannerHealth: ScannerHealth = 'stalled';
  #perSecond = new Array<number>(60).fill(0);
  #secondIndex = 0;
  #heardLastWindow = 0;
  readonly stats = {
    advertisements: 0,
    beaconFrames: 0,
    unknownBeaconFrames: 0,
    unattributedFrames: 0,
    noRssi: 0,
    badFrames: {} as Partial<Record<BleFrameErrorCode, number>>,
  };

  constructor(o: BeaconGatewayOptions) {
    this.#config = o.config;
    this.#pub = o.publisher;
    this.#clock = o.clock ?? systemClock;
    this.#log = o.logger ?? pino({ name: 'edge:gateway', level: process.env.LOG_LEVEL ?? 'info' });
    this.allowlist = new Allowlist(o.config.dataDir, this.#log.child({ name: 'edge:gateway:allowlist' }));
    this.scanner = new BleScanner({
      clock: this.#clock,
      noble: o.noble,
      hciDeviceId: o.config.scanner.hciDeviceId,
      purgeAfterMs: o.config.scanner.purgeAfterS * 1000,
      maxTracked: o.config.scanner.maxTracked,
      purge: o.scannerPurge,
      onReport: (r) => this.handleReport(r),
      onStateChange: (state) => this.#setScannerHealth(state === 'scanning' ? 'scanning' : 'no-adapter'),
      logger: this.#log.child({ name: 'edge:ble:scanner' }),
    });
    this.#watchdog = new ScanWatchdog({
      clock: this.#clock,
      scanner: this.scanner,
      stallAfterMs: o.config.stallAfterS * 1000,
      expected: () => this.allowlist.size,
      log: this.#log,
      onStalled: (ms) => {
        this.#setScannerHealth('stalled');
        // Without CAP_NET_RAW noble on Linux powers on and then silently hears nothing.
        const hint =
          this.stats.advertisements === 0
            ? '; none since start: check the raw HCI permission (AmbientCapabilities=CAP_NET_RAW, ' +
              'or setcap cap_net_raw+eip on node) and NOBLE_HCI_DEVICE_ID'
            : '';
        this.#alert('scan-stalled', 'warning', `no advertisement for ${Math.round(ms / 1000)} s${hint}`);
      },
      onRestarted: (attempt) => {
        this.#alert('scan-restarted', 'info', `BLE scanning restarted (attempt ${attempt})`);
        this.#publishHealth();
      },
      onRecovered: () => this.#setScannerHealth('scanning'),
    });
  }

  /** Starts scanning and the batch, health and footfall timers. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#startedAtMs = this.#clock.now();
    this.#rebuildTrackers();
    this.#schedule();
    await this.#startScanner();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#adapterRetry?.();
    this.#adapterRetry = null;
    for (const cancel of this.#timers.splice(0)) cancel();
    this.#watchdog.stop();
    await this.scanner.stop();
  }

  /** A validated command from the cloud (DeviceLink `command` event). */
  applyCommand(
    c:
      | { kind: 'allowlist'; message: BeaconAllowlistCommand }
      | { kind: 'gatewayConfig'; message: GatewayConfigCommand },
  ): void {
    if (c.kind === 'allowlist') {
      if (this.allowlist.apply(c.message)) this.#rebuildTrackers();
      return;
    }
    const m = c.message;
    if (m.version <= this.#configVersion) return;
    this.#configVersion = m.version;
    const cfg = { ...this.#config };
    if (m.batchIntervalS !== undefined) cfg.batchIntervalS = m.batchIntervalS;
    if (m.pathLossExponent !== undefined) cfg.pathLossExponent = m.pathLossExponent;
    if (m.stallAfterS !== undefined) cfg.stallAfterS = m.stallAfterS;
    if (m.footfall) cfg.footfall = { ...cfg.footfall, enabled: m.footfall.enabled, k: m.footfall.k };
    this.#config = cfg;
    this.#watchdog.stallAfterMs = cfg.stallAfterS * 1000;
    this.#rebuildTrackers(true);
    if (this.#running) {
      // Settings in force from now on; a command received before start() waits for it.
      for (const cancel of this.#timers.splice(0)) cancel();
      this.#schedule();
    }
    this.#log.info({ version: m.version }, 'gateway settings from the cloud applied');
  }

  /** One advertising packet: decode, attribute to allowlisted beacons, count. */
  handleReport(r: ScanReport): void {
    this.stats.advertisements += 1;
    this.#perSecond[this.#secondIndex] = (this.#perSecond[this.#secondIndex] ?? 0) + 1;
    this.#watchdog.advertisement(r.atMs);
    if (r.rssi === null) this.stats.noRssi += 1;
    const decoded = decodeAdvertisement(r.data);
    for (const e of decoded.errors) this.stats.badFrames[e.code] = (this.stats.badFrames[e.code] ?? 0) + 1;
    let allowlisted = this.allowlist.atAddress(r.address) !== undefined;
    for (const frame of decoded.frames) {
      this.stats.beaconFrames += 1;
      const id = beaconIdOf(frame);
      let tracker: BeaconTracker | undefined;
      if (id !== null) {
        tracker = this.#trackers.get(id);
        if (!tracker) {
          this.stats.unknownBeaconFrames += 1;
          continue;
        }
        if (tracker.isForeign(r.address)) {
          this.#alert('suspected-clone', 'warning', 'beacon id heard from an unexpected address', id);
        } else {
          this.#addressToBeacon.set(r.address, { beaconId: id, atMs: r.atMs });
        }
      } else {
        const known =
          this.allowlist.atAddress(r.address)?.beaconId ?? this.#addressToBeacon.get(r.address)?.beaconId;
        tracker = known === undefined ? undefined : this.#trackers.get(known);
        if (!tracker) {
          this.stats.unattributedFrames += 1;
          continue;
        }
      }
      allowlisted = true;
      tracker.sighted(frame.type, r.address, r.rssi, r.atMs, powerAt1mDbm(frame));
      if (frame.type === 'eddystone-tlm' && !tracker.isForeign(r.address)) {
        const verdict = tracker.telemetry(frame, r.atMs);
        const beaconId = tracker.entry.beaconId;
        if (verdict.kind === 'reboot') {
          this.#alert('beacon-rebooted', 'info', `TLM counters reset (uptime ${frame.uptimeS} s)`, beaconId);
        } else if (verdict.kind === 'anomaly') {
          this.#alert('suspected-clone', 'warning', `TLM: ${verdict.reason}`, beaconId);
        }
      }
    }
    if (!allowlisted) this.#footfall?.add(r.address);
  }

  /** Closes the batch window: sightings, telemetry, clone-by-interval check. */
  flushWindow(windowStartMs: number, windowEndMs: number): void {
    const ts = isoTime(windowEndMs);
    const gatewayId = this.#config.gatewayId;
    const sightings = [];
    for (const tracker of this.#trackers.values()) {
      const { sighting, telemetry } = tracker.closeWindow();
      if (sighting) {
        const expected = tracker.entry.expectedIntervalMs;
        const windowMs = windowEndMs - windowStartMs;
        if (expected && windowMs > 0 && sighting.count > (CLONE_RATE_RATIO * windowMs) / expected) {
          sighting.addressMismatch = true;
          this.#alert(
            'suspected-clone',
            'warning',
            `${sighting.count} packets in ${Math.round(windowMs / 1000)} s, expected one per ${expected} ms: two transmitters?`,
            tracker.entry.beaconId,
          );
        }
        sightings.push(sighting);
      }
      if (telemetry)
        this.#pub.publish('telemetry', { ts, gatewayId, beaconId: tracker.entry.beaconId, ...telemetry });
    }
    this.#heardLastWindow = sightings.length;
    if (this.allowlist.size > 0) {
      for (let i = 0; i === 0 || i < sightings.length; i += 2000) {
        this.#pub.publish('sightings', {
          ts,
          gatewayId,
          windowStart: isoTime(windowStartMs),
          windowEnd: ts,
          beacons: sightings.slice(i, i + 2000),
        });
      }
    }
    const cutoff = windowEndMs - ADDRESS_MEMORY_MS;
    for (const [address, a] of this.#addressToBeacon)
      if (a.atMs < cutoff) this.#addressToBeacon.delete(address);
  }

  #schedule(): void {
    const c = this.#config;
    let windowStart = this.#clock.now();
    this.#timers.push(
      this.#clock.every(c.batchIntervalS * 1000, () => {
        const end = this.#clock.now();
        this.flushWindow(windowStart, end);
        windowStart = end;
      }),
      this.#clock.every(c.healthIntervalS * 1000, () => this.#publishHealth()),
      this.#clock.every(1000, () => {
        this.#secondIndex = (this.#secondIndex + 1) % 60;
        this.#perSecond[this.#secondIndex] = 0;
      }),
    );
    this.#footfall = null;
    if (c.footfall.enabled) {
      const counter = new FootfallCounter(c.footfall.k, this.#clock.now());
      this.#footfall = counter;
      this.#timers.push(
        this.#clock.every(c.footfall.windowS * 1000, () => {
          const w = counter.close(this.#clock.now());
          this.#pub.publish('footfall', {
            ts: isoTime(w.windowEndMs),
            gatewayId: c.gatewayId,
            windowStart: isoTime(w.windowStartMs),
            windowEnd: isoTime(w.windowEndMs),
            count: w.count,
            suppressed: w.suppressed,
            k: w.k,
          });
        }),
      );
    }
  }

  async #startScanner(): Promise<void> {
    try {
      await this.scanner.start();
      this.#watchdog.start();
      this.#setScannerHealth('scanning');
    } catch (e) {
      if (!(e instanceof EdgeError)) throw e;
      const health: ScannerHealth = e.code === EdgeErrorCode.BleNoPermission ? 'no-permission' : 'no-adapter';
      this.#log.error({ err: e.message }, 'BLE scanner cannot start; retrying');
      this.#setScannerHealth(health);
      this.#adapterRetry = this.#clock.after(ADAPTER_RETRY_MS, () => {
        this.#adapterRetry = null;
        if (!this.#running) return;
        this.#startScanner().catch((err: Error) =>
          this.#log.error({ err: err.message }, 'BLE scanner start failed unexpectedly'),
        );
      });
    }
  }

  #rebuildTrackers(force = false): void {
    const c = this.#config;
    const settings = { rssiFilter: c.rssiFilter, pathLossExponent: c.pathLossExponent, zones: c.zones };
    const next = new Map<string, BeaconTracker>();
    for (const id of this.allowlist.ids()) {
      const entry = this.allowlist.get(id);
      if (!entry) continue;
      const old = this.#trackers.get(id);
      // The cloud pushes its allowlist again (new version) with unchanged beacons: their
      // trackers keep the current window, the smoothed RSSI and the TLM history.
      next.set(id, !force && old && sameEntry(old.entry, entry) ? old : new BeaconTracker(entry, settings));
    }
    this.#trackers = next;
  }

  #setScannerHealth(state: ScannerHealth): void {
    if (state === this.#scannerHealth) return;
    this.#scannerHealth = state;
    this.#publishHealth();
  }

  #publishHealth(): void {
    const now = this.#clock.now();
    // Counters for the logs (they carry no address): bad frames by code, unknown beacons…
    this.#log.info({ stats: this.stats, scanner: this.scanner.stats }, 'gateway counters');
    const lastMinute = this.#perSecond.reduce((a, b) => a + b, 0);
    this.#pub.publish('gatewayHealth', {
      ts: isoTime(now),
      gatewayId: this.#config.gatewayId,
      scanner: this.#watchdog.stalled ? 'stalled' : this.#scannerHealth,
      advRatePerS: Math.round((lastMinute / 60) * 100) / 100,
      advTotal: this.stats.advertisements,
      scanRestarts: this.scanner.stats.restarts,
      expectedBeacons: this.allowlist.size,
      heardBeacons: this.#heardLastWindow,
      outboxBacklog: this.#pub.backlog(),
      uptimeS: Math.round((now - this.#startedAtMs) / 1000),
      rssBytes: process.memoryUsage.rss(),
    });
  }

  #alert(
    kind: AlertKind,
    severity: 'info' | 'warning' | 'critical',
    detail: string,
    beaconId?: string,
  ): void {
    const now = this.#clock.now();
    if (beaconId !== undefined) {
      const key = `${kind}|${beaconId}`;
      const last = this.#lastAlert.get(key);
      if (last !== undefined && now - last < ALERT_REPEAT_MS) return;
      this.#lastAlert.set(key, now);
    }
    this.#log.warn({ kind, beaconId, detail }, 'alert');
    this.#pub.publish('gatewayAlert', {
      ts: isoTime(now),
      deviceId: this.#config.gatewayId,
      kind,
      severity,
      ...(beaconId === undefined ? {} : { beaconId }),
      detail,
    });
  }
}

/** Two allowlist entries that say the same (the cloud sends new objects with every version). */
function sameEntry(a: AllowlistedBeacon, b: AllowlistedBeacon): boolean {
  return (
    a === b ||
    (a.beaconId === b.beaconId &&
      a.address === b.address &&
      a.name === b.name &&
      a.lat === b.lat &&
      a.lon === b.lon &&
      a.expectedIntervalMs === b.expectedIntervalMs)
  );
}
