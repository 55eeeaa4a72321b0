/**
 * The `onData` side of a simulated serial device: listeners subscribe, the device emits
 * byte chunks to all of them in order.
 */
export class ByteListeners {
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();

  /** Subscribes; returns the unsubscribe function. */
  add(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a chunk to every listener (a copy each, so no listener can alter another's bytes). */
  emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    for (const l of [...this.listeners]) l(bytes.slice());
  }
}
