/**
 * A simulated device seen from its serial line, whatever carries the bytes (a MockBinding port,
 * a socat pseudo-terminal): the host's bytes go in with `write()`, the device's bytes come out to
 * the `onData` listeners.
 */
export interface SerialDevice {
  /** Bytes the host wrote to the device. */
  write(bytes: Uint8Array): void;
  /** Subscribes to the bytes the device sends; returns the unsubscribe function. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /**
   * The host opened the line. Where the carrier can tell (MockBinding), a device that reacts to
   * DTR does so here: an Arduino resets and announces its firmware.
   */
  hostConnected?(): void;
}
