/**
 * The gateway watching its own scanner. The most common failure of BLE→MQTT gateways is a
 * scan that dies silently after hours (the controller stops reporting while everything looks
 * fine; noble/noble#129 "Noble stops listening"). When no advertisement at all arrives for
 * `stallAfterMs` while the allowlist says beacons should be heard, the scan is declared
 * stalled and restarted, then restarted again with a doubling delay (capped at one hour)
 * until advertisements come back.
 */
import type { Logger } from 'pino';
import type { Clock } from './Clock.js';

export interface WatchedScanner {
  restart(): Promise<void>;
  markStalled(): void;
}

export interface ScanWatchdogOptions {
  clock: Clock;
  scanner: WatchedScanner;
  stallAfterMs: number;
  /** Beacons the gateway should hear; no expectation, no stall. */
  expected: () => number;
  onStalled: (silentForMs: number) => void;
  onRestarted: (attempt: number) => void;
  onRecovered: () => void;
  log: Logger;
}

const MAX_BACKOFF_MS = 3_600_000;

export class ScanWatchdog {
  #o: ScanWatchdogOptions;
  #lastAdvAt: number;
  #episode: { attempt: number; nextRestartAt: number } | null = null;
  #restarting = false;
  #stop: (() => void) | null = null;
  stallAfterMs: number;

  constructor(o: ScanWatchdogOptions) {
    this.#o = o;
    this.stallAfterMs = o.stallAfterMs;
    this.#lastAdvAt = o.clock.now();
  }

  get stalled(): boolean {
    return this.#episode !== null;
  }

  start(): void {
    this.#lastAdvAt = this.#o.clock.now();
    this.#stop ??= this.#o.clock.every(1000, () => this.check());
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }

  /** Every advertisement, whoever sent it, proves the scanner alive. */
  advertisement(atMs: number): void {
    this.#lastAdvAt = atMs;
    if (this.#episode) {
      this.#episode = null;
      this.#o.onRecovered();
    }
  }

  check(now = this.#o.clock.now()): void {
    if (this.#o.expected() === 0) return;
    const silentFor = now - this.#lastAdvAt;
    if (silentFor < this.stallAfterMs) return;
    if (!this.#episode) {
      this.#episode = { attempt: 0, nextRestartAt: now };
      this.#o.scanner.markStalled();
      this.#o.onStalled(silentFor);
    }
    const e = this.#episode;
    if (now < e.nextRestartAt || this.#restarting) return;
    e.attempt += 1;
    e.nextRestartAt = now + Math.min(this.stallAfterMs * 2 ** e.attempt, MAX_BACKOFF_MS);
    this.#restarting = true;
    const attempt = e.attempt;
    this.#o.scanner
      .restart()
      .then(() => this.#o.onRestarted(attempt))
      .catch((err: Error) => this.#o.log.error({ err: err.message, attempt }, 'scan restart failed'))
      .finally(() => {
        this.#restarting = false;
      });
  }
}
