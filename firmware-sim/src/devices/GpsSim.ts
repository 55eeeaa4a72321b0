/**
 * A simulated GNSS receiver: once per `periodMs` (1 Hz by default) it sends `$GPRMC` and
 * `$GPGGA` (and a `$GPGSV` the decoder must skip, unless `satellitesInView: false`) for its
 * current position, with the fix time from its `DeviceClock`. The position walks through
 * `points` (one per period, staying on the last one, or looping), or is set live with
 * `setPosition` (what `RouteDriver` calls). `setFix(false)` simulates a lost fix (RMC `V`,
 * GGA quality 0, no coordinates).
 */
import { bytesOf, hex2 } from '@releve/shared/protocols/byte-stream';
import { encodeNmeaGga, encodeNmeaRmc } from '@releve/shared/protocols/encoders';
import { nmeaChecksum } from '@releve/shared/protocols/nmea';
import type { SerialDevice } from '../pty/SerialDevice.js';
import { ByteListeners } from './ByteListeners.js';
import { type DeviceClock, realTimeClock } from './DeviceClock.js';
import { SentLog } from './SentLog.js';

/** A WGS 84 point. */
export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Options of `GpsSim`. */
export interface GpsSimOptions {
  clock?: DeviceClock;
  /** Route to walk, one point per period (default: a point in the Cosmo zone, Gignac). */
  points?: GeoPoint[];
  loop?: boolean;
  periodMs?: number;
  hdop?: number;
  satellites?: number;
  /** `GP` (GPS only, default) or `GN` (multi-constellation). */
  talker?: 'GP' | 'GN';
  satellitesInView?: boolean;
}

/** One fix the receiver sent (for tests). */
export interface SentFix {
  atMs: number;
  lat: number;
  lon: number;
  valid: boolean;
}

/** See the module comment. */
export class GpsSim implements SerialDevice {
  private readonly listeners = new ByteListeners();
  private readonly clock: DeviceClock;
  private readonly points: GeoPoint[];
  private index = 0;
  private live: GeoPoint | null = null;
  private fix = true;
  private cancel: (() => void) | null = null;
  /** Fixes sent, in order (the last 10 000). */
  readonly sent = new SentLog<SentFix>();

  constructor(private readonly options: GpsSimOptions = {}) {
    this.clock = options.clock ?? realTimeClock;
    this.points = options.points?.length ? options.points : [{ lat: 43.6508, lon: 3.5437 }];
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The receiver only talks (configuration sentences from the host are ignored). */
  write(_bytes: Uint8Array): void {}

  /** Starts the 1 Hz output. */
  start(): void {
    this.cancel ??= this.clock.every(this.options.periodMs ?? 1000, () => this.emitFix());
  }

  /** Stops the output. */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** Moves the antenna (overrides the point list from now on). */
  setPosition(lat: number, lon: number): void {
    this.live = { lat, lon };
  }

  /** Gains or loses the fix. */
  setFix(valid: boolean): void {
    this.fix = valid;
  }

  private current(): GeoPoint {
    if (this.live) return this.live;
    const p = this.points[Math.min(this.index, this.points.length - 1)] ?? this.points[0];
    this.index = this.options.loop ? (this.index + 1) % this.points.length : this.index + 1;
    return p ?? { lat: 0, lon: 0 };
  }

  private emitFix(): void {
    const atMs = this.clock.now() - (this.clock.now() % 10); // NMEA time: hundredths of a second
    const p = this.current();
    const position = { atMs, lat: p.lat, lon: p.lon, valid: this.fix, talker: this.options.talker ?? 'GP' };
    this.sent.push({ atMs, lat: p.lat, lon: p.lon, valid: this.fix });
    const extras = {
      hdop: this.options.hdop ?? 0.9,
      satellites: this.fix ? (this.options.satellites ?? 9) : 0,
      altitudeM: 62,
    };
    this.listeners.emit(encodeNmeaRmc(position));
    this.listeners.emit(encodeNmeaGga(position, extras));
    if (this.options.satellitesInView !== false) {
      const body = `${position.talker}GSV,1,1,02,07,79,048,42,09,23,310,38`;
      this.listeners.emit(bytesOf(`$${body}*${hex2(nmeaChecksum(body))}\r\n`));
    }
  }
}
