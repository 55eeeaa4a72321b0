/** How one output (LED or buzzer) behaves: off, steadily on, or blinking/beeping. */
export type OutputPattern =
  | { kind: 'off' }
  | { kind: 'steady' }
  /** On `onMs`, off `offMs`; `count` times then off, or forever when `count` is absent. */
  | { kind: 'blink'; onMs: number; offMs: number; count?: number };

/** What the driver sees in the cab: the LED and the buzzer together. */
export interface CabSignal {
  led: OutputPattern;
  buzzer: OutputPattern;
}

/** The cab signals the truck agent shows. */
export const CabSignals = {
  /** Nothing to say. */
  off: { led: { kind: 'off' }, buzzer: { kind: 'off' } },
  /** The body is full (weight or volume): LED steady, two long beeps. Stays until cleared. */
  goUnload: { led: { kind: 'steady' }, buzzer: { kind: 'blink', onMs: 600, offMs: 400, count: 2 } },
  /** A bin was hooked with no readable tag: LED blinking fast, three short beeps. */
  unknownBin: {
    led: { kind: 'blink', onMs: 125, offMs: 125 },
    buzzer: { kind: 'blink', onMs: 150, offMs: 150, count: 3 },
  },
} as const satisfies Record<string, CabSignal>;

/** Name of a cab signal. */
export type CabSignalName = keyof typeof CabSignals;

/**
 * Drives one digital output through an {@link OutputPattern} with timers. `write` is called only
 * when the level changes. `stop()` cancels the timer and leaves the output off.
 */
export class PatternOutput {
  private timer: NodeJS.Timeout | undefined;
  private level: 0 | 1 | undefined;

  constructor(private readonly write: (level: 0 | 1) => void) {}

  /** Current level (undefined before the first write). */
  get current(): 0 | 1 | undefined {
    return this.level;
  }

  /** Replaces whatever pattern runs with `pattern`. */
  play(pattern: OutputPattern): void {
    this.cancel();
    switch (pattern.kind) {
      case 'off':
        this.set(0);
        return;
      case 'steady':
        this.set(1);
        return;
      case 'blink':
        this.blink(pattern.onMs, pattern.offMs, pattern.count);
        return;
      default: {
        const unreachable: never = pattern;
        throw new Error(`unknown pattern ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Cancels the pattern and turns the output off. */
  stop(): void {
    this.cancel();
    this.set(0);
  }

  /** Cancels the pattern without writing (the board is gone); the next play starts afresh. */
  halt(): void {
    this.cancel();
    this.level = undefined;
  }

  private blink(onMs: number, offMs: number, count: number | undefined): void {
    let left = count ?? Number.POSITIVE_INFINITY;
    const on = () => {
      if (left <= 0) {
        this.timer = undefined;
        this.set(0);
        return;
      }
      left -= 1;
      this.set(1);
      this.timer = setTimeout(off, onMs);
    };
    const off = () => {
      this.set(0);
      this.timer = setTimeout(on, offMs);
    };
    on();
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private set(level: 0 | 1): void {
    if (level === this.level) return;
    this.level = level;
    this.write(level);
  }
}
