import type pino from 'pino';
import type { Store } from './Store.js';

/**
 * Runs the store's retention purge periodically (default hourly), first one at start.
 * A failing purge is logged and tried again at the next tick.
 */
export class RetentionJob {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly intervalMs = 3_600_000,
    private readonly log?: pino.Logger,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.runOnce();
    this.#timer = setInterval(() => this.runOnce(), this.intervalMs);
    this.#timer.unref();
  }

  /** One purge now; returns the rows deleted per table (empty on failure). */
  runOnce(now = new Date()): Record<string, number> {
    try {
      const report = this.store.purgeExpired(now);
      const total = Object.values(report).reduce((a, b) => a + b, 0);
      if (total > 0) this.log?.info({ report }, 'retention purge');
      return report;
    } catch (e) {
      this.log?.error({ err: e }, 'retention purge failed');
      return {};
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
