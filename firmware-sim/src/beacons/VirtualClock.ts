/**
 * A clock and timer queue that runs faster than real time: `advance(ms)` fires everything due,
 * in time order. Simulated beacons and the gateway under test share one, so an hour of
 * advertising runs in a second. Structurally compatible with the gateway's `Clock`.
 */
interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  everyMs: number | null;
  cancelled: boolean;
}

export class VirtualClock {
  #now: number;
  #seq = 0;
  #queue: Timer[] = [];

  constructor(startMs = Date.parse('2026-11-28T08:00:00.000Z')) {
    this.#now = startMs;
  }

  /** Milliseconds since the epoch, virtual. */
  now(): number {
    return this.#now;
  }

  /** Calls `fn` once at `now + ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    return this.#add(ms, fn, null);
  }

  /** Calls `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void {
    if (!(ms > 0)) throw new RangeError(`interval must be > 0 ms, got ${ms}`);
    return this.#add(ms, fn, ms);
  }

  /** Pending timers (for tests that check clean-up). */
  get pending(): number {
    return this.#queue.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#popDue(end);
      if (!next) break;
      this.#now = next.at;
      if (next.everyMs !== null) {
        next.at += next.everyMs;
        this.#insert(next);
      }
      next.fn();
    }
    this.#now = end;
  }

  #add(ms: number, fn: () => void, everyMs: number | null): () => void {
    const t: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, everyMs, cancelled: false };
    this.#insert(t);
    return () => {
      t.cancelled = true;
    };
  }

  #popDue(end: number): Timer | undefined {
    for (;;) {
      const head = this.#queue[0];
      if (!head) return undefined;
      if (head.cancelled) {
        this.#pop();
        continue;
      }
      if (head.at > end) return undefined;
      return this.#pop();
    }
  }

  static #before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  /** Binary min-heap insert, ordered by time then by creation. */
  #insert(t: Timer): void {
    const q = this.#queue;
    q.push(t);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = q[parent] as Timer;
      if (!VirtualClock.#before(t, p)) break;
      q[i] = p;
      i = parent;
    }
    q[i] = t;
  }

  #pop(): Timer | undefined {
    const q = this.#queue;
    const top = q[0];
    const last = q.pop();
    if (q.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let mt = last;
      const lt = q[l];
      const rt = q[r];
      if (lt && VirtualClock.#before(lt, mt)) {
        m = l;
        mt = lt;
      }
      if (rt && VirtualClock.#before(rt, mt)) {
        m = r;
        mt = rt;
      }
      if (m === i) break;
      q[i] = mt;
      i = m;
    }
    q[i] = last;
    return top;
  }
}
