/**
 * A digital input that only believes a level once it has held for `debounceMs` (contact bounce,
 * a lifter shaking on a rough road). The first level seen is the baseline and produces no edge:
 * a clamp already closed when the agent starts is a state, not an event.
 * `onEdge` gets the new level and the time the raw line first took it (ms since epoch).
 */
export class DebouncedInput {
  private stable: boolean | undefined;
  private candidate: { level: boolean; since: number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly debounceMs: number,
    private readonly onEdge: (level: boolean, at: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The debounced level (undefined before the first reading). */
  get level(): boolean | undefined {
    return this.stable;
  }

  /** Feeds a raw reading. */
  feed(level: boolean): void {
    if (this.stable === undefined) {
      this.stable = level;
      return;
    }
    if (level === this.stable) {
      this.cancel();
      return;
    }
    if (this.candidate?.level === level) return;
    this.cancel();
    const since = this.now();
    this.candidate = { level, since };
    if (this.debounceMs === 0) {
      this.accept();
      return;
    }
    this.timer = setTimeout(() => this.accept(), this.debounceMs);
  }

  /** Forgets everything (board reset): the next reading is a new baseline. */
  reset(): void {
    this.cancel();
    this.stable = undefined;
  }

  private accept(): void {
    const c = this.candidate;
    this.cancel();
    if (!c) return;
    this.stable = c.level;
    this.onEdge(c.level, c.since);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.candidate = undefined;
  }
}
