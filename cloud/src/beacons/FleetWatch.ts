import type { Logger } from 'pino';
import pino from 'pino';
import type { BeaconFleet } from './BeaconFleet.js';

/**
 * The periodic job that evaluates the fleet (`BeaconFleet.evaluate`) every `everyMs` so
 * status changes become alerts even when nobody looks at the API. A cloud feature:
 * `start()` evaluates once and arms the timer, `stop()` clears it. A failed evaluation is
 * logged and retried at the next tick.
 */
export class FleetWatch {
  readonly name = 'beacon-fleet-watch';
  #timer: NodeJS.Timeout | null = null;
  readonly #log: Logger;

  constructor(
    private readonly fleet: BeaconFleet,
    private readonly everyMs = 60_000,
    logger?: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.#log = (logger ?? pino({ level: 'info' })).child({ name: 'cloud:beacons:watch' });
  }

  async start(): Promise<void> {
    if (this.#timer) return;
    this.tick();
    this.#timer = setInterval(() => this.tick(), this.everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One evaluation; returns how many alerts it raised (0 when it failed). */
  tick(): number {
    try {
      return this.fleet.evaluate(this.clock()).length;
    } catch (e) {
      this.#log.error({ err: e }, 'fleet evaluation failed');
      return 0;
    }
  }
}
