/**
 * What a simulated device sent, kept for tests to compare with what a decoder read. Bounded
 * (oldest entries dropped past `limit`) so a device left running for hours in the demo does
 * not grow memory.
 */
export class SentLog<T> {
  private readonly items: T[] = [];

  constructor(private readonly limit = 10_000) {}

  /** Appends one entry. */
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
  }

  /** The kept entries, oldest first. */
  all(): readonly T[] {
    return this.items;
  }

  /** How many entries are kept. */
  get length(): number {
    return this.items.length;
  }
}
