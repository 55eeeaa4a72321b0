/**
 * Footfall (off by default): how many distinct devices were heard in a window of at most five
 * minutes, following the CNIL's first tier for Wi-Fi/Bluetooth counting (anonymised within
 * 5 minutes, counts only; see docs/privacy.md).
 *
 * - Addresses are never stored: each is replaced at once by an HMAC-SHA-256 under a random
 *   salt that exists only in this process's memory, truncated to 8 bytes, kept in a set.
 * - At the window's end only the set's size is kept; the set and the salt are dropped and a
 *   new salt is drawn, so nothing links a device across windows (salted hashes that stay
 *   linkable are not anonymous: Conseil d'État, JCDecaux, 2017).
 * - Counts below k are suppressed (`count: null`), so a lone passer-by is not singled out.
 *
 * Phones rotate their addresses (~15 min), so one phone can count twice in a window when it
 * rotates inside it: counts are an upper bound of devices, not people.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface FootfallWindow {
  windowStartMs: number;
  windowEndMs: number;
  count: number | null;
  suppressed: boolean;
  k: number;
}

export class FootfallCounter {
  #salt: Buffer = randomBytes(32);
  #seen = new Set<string>();
  #startMs: number;

  constructor(
    private readonly k: number,
    startMs: number,
  ) {
    this.#startMs = startMs;
  }

  /** Devices counted so far in this window. */
  get distinct(): number {
    return this.#seen.size;
  }

  /** Counts a device address (the address itself is not kept). */
  add(address: string): void {
    this.#seen.add(createHmac('sha256', this.#salt).update(address).digest('base64').slice(0, 11));
  }

  /** Ends the window: returns its count and forgets everything, salt included. */
  close(endMs: number): FootfallWindow {
    const n = this.#seen.size;
    const w: FootfallWindow = {
      windowStartMs: this.#startMs,
      windowEndMs: endMs,
      count: n < this.k ? null : n,
      suppressed: n < this.k,
      k: this.k,
    };
    this.#seen = new Set();
    this.#salt.fill(0);
    this.#salt = randomBytes(32);
    this.#startMs = endMs;
    return w;
  }
}
