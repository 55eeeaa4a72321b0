/**
 * Everything the gateway knows about one allowlisted beacon: the current window's sightings
 * (count, frame types, RSSI, measured interval), the smoothed RSSI across windows, and its
 * TLM history (reboots, counter anomalies, advertising rate).
 */
import type { AllowlistedBeacon, BeaconFrameType, BeaconSighting } from '@releve/shared';
import type { EddystoneTlmFrame } from '@releve/shared/protocols/ble/index';
import { logDistanceM, proximityZone } from './distance.js';
import { RssiFilter, type RssiFilterSettings } from './RssiFilter.js';
import { judgeTlm, type TlmSample, type TlmVerdict } from './TlmMonitor.js';

export interface TrackerSettings {
  rssiFilter: RssiFilterSettings;
  pathLossExponent: number;
  zones: { immediateM: number; nearM: number };
}

/** Telemetry of one window, before the outbox adds id and sequence. */
export interface TelemetryDraft {
  batteryMv: number | null;
  temperatureC: number | null;
  advCount: number;
  uptimeS: number;
  rebooted: boolean;
  counterAnomaly: boolean;
  advRateHz: number | null;
}

const MAX_INTERVALS = 512;

class WindowStats {
  count = 0;
  frames = new Set<BeaconFrameType>();
  rssiMin = Number.POSITIVE_INFINITY;
  rssiMax = Number.NEGATIVE_INFINITY;
  lastAtMs: number | null = null;
  intervals: number[] = [];

  add(type: BeaconFrameType, rssi: number | null, atMs: number): void {
    this.count += 1;
    this.frames.add(type);
    if (rssi !== null) {
      this.rssiMin = Math.min(this.rssiMin, rssi);
      this.rssiMax = Math.max(this.rssiMax, rssi);
    }
    if (this.lastAtMs !== null && atMs > this.lastAtMs && this.intervals.length < MAX_INTERVALS) {
      this.intervals.push(atMs - this.lastAtMs);
    }
    this.lastAtMs = atMs;
  }

  /** Median gap between packets: robust to the odd lost packet. */
  intervalMs(): number | null {
    if (this.intervals.length === 0) return null;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    return sorted[sorted.length >> 1] ?? null;
  }
}

export class BeaconTracker {
  readonly entry: AllowlistedBeacon;
  #s: TrackerSettings;
  #filter: RssiFilter;
  #window = new WindowStats();
  /** Frames from an address other than the allowlisted one (kept apart: a clone's RSSI would corrupt ours). */
  #foreign = new WindowStats();
  #foreignFilter: RssiFilter;
  #powerAt1mDbm: number | null = null;
  #lastAddress: string | null = null;
  #tlmPrev: TlmSample | null = null;
  #tlm: EddystoneTlmFrame | null = null;
  #rebooted = false;
  #pendingReboot = false;
  #anomaly = false;
  #advRateHz: number | null = null;

  constructor(entry: AllowlistedBeacon, settings: TrackerSettings) {
    this.entry = entry;
    this.#s = settings;
    this.#filter = new RssiFilter(settings.rssiFilter);
    this.#foreignFilter = new RssiFilter(settings.rssiFilter);
  }

  /** True when frames came from an address the allowlist does not expect for this beacon. */
  isForeign(address: string): boolean {
    return this.entry.address !== null && this.entry.address !== address;
  }

  /** An identifying frame (or URL/TLM associated by address) heard from `address`. */
  sighted(
    type: BeaconFrameType,
    address: string,
    rssi: number | null,
    atMs: number,
    powerAt1m: number | null,
  ): void {
    const foreign = this.isForeign(address);
    (foreign ? this.#foreign : this.#window).add(type, rssi, atMs);
    if (rssi !== null) (foreign ? this.#foreignFilter : this.#filter).update(rssi, atMs);
    if (!foreign) {
      if (powerAt1m !== null) this.#powerAt1mDbm = powerAt1m;
      this.#lastAddress = address;
    }
  }

  /**
   * A TLM frame from the beacon's own address; returns what its counters say. A reboot is
   * only confirmed by the next TLM continuing the new count: a second transmitter that was
   * switched on recently looks like a reboot once, then breaks the series (an anomaly).
   */
  telemetry(tlm: EddystoneTlmFrame, atMs: number): TlmVerdict {
    const sample = { advCount: tlm.advCount, secCount: tlm.secCount, atMs };
    let verdict = judgeTlm(this.#tlmPrev, sample);
    this.#tlmPrev = sample;
    this.#tlm = tlm;
    const pending = this.#pendingReboot;
    this.#pendingReboot = verdict.kind === 'reboot';
    if (pending) {
      // Two resets in a row (a boot loop on a failing battery) confirm the first.
      if (verdict.kind === 'normal' || verdict.kind === 'reboot') {
        this.#rebooted = true;
        if (verdict.kind === 'normal' && verdict.advRateHz !== null) this.#advRateHz = verdict.advRateHz;
        verdict = { kind: 'reboot' };
      } else if (verdict.kind === 'anomaly') {
        verdict = { kind: 'anomaly', reason: `${verdict.reason}, right after an apparent reboot` };
      }
    } else if (verdict.kind === 'reboot') {
      return { kind: 'first' };
    }
    if (verdict.kind === 'anomaly') this.#anomaly = true;
    if (verdict.kind === 'normal' && verdict.advRateHz !== null) this.#advRateHz = verdict.advRateHz;
    return verdict;
  }

  /** Heard at all in the current window. */
  get heard(): boolean {
    return this.#window.count > 0 || this.#foreign.count > 0;
  }

  /**
   * Closes the window: the sighting (null if not heard) and the telemetry (null without TLM).
   * The smoothed RSSI carries over to the next window; counts start again.
   */
  closeWindow(): { sighting: BeaconSighting | null; telemetry: TelemetryDraft | null } {
    const mismatch = this.#foreign.count > 0 || this.#anomaly;
    const own = this.#window.count > 0;
    const w = own ? this.#window : this.#foreign;
    const smoothed = (own ? this.#filter : this.#foreignFilter).value;
    let sighting: BeaconSighting | null = null;
    if (w.count > 0 && smoothed !== null && Number.isFinite(w.rssiMin)) {
      const p1m = this.#powerAt1mDbm;
      const distanceM = p1m === null ? null : round(logDistanceM(p1m, smoothed, this.#s.pathLossExponent), 2);
      sighting = {
        beaconId: this.entry.beaconId,
        address: this.entry.address ?? (this.#lastAddress as string),
        frames: [...w.frames].sort(),
        count: w.count,
        rssiDbm: { smoothed: round(smoothed, 1), min: w.rssiMin, max: w.rssiMax },
        txPowerDbm: p1m,
        distanceM,
        zone: distanceM === null ? null : proximityZone(distanceM, this.#s.zones),
        intervalMs: w.intervalMs(),
        addressMismatch: mismatch,
      };
    }
    const t = this.#tlm;
    const telemetry: TelemetryDraft | null = t
      ? {
          batteryMv: t.batteryMv,
          temperatureC: t.temperatureC,
          advCount: t.advCount,
          uptimeS: t.uptimeS,
          rebooted: this.#rebooted,
          counterAnomaly: this.#anomaly,
          advRateHz: this.#advRateHz === null ? null : round(this.#advRateHz, 3),
        }
      : null;
    this.#window = new WindowStats();
    this.#foreign = new WindowStats();
    this.#tlm = null;
    this.#rebooted = false;
    this.#anomaly = false;
    return { sighting, telemetry };
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
