/**
 * Finds MQTT control packet boundaries in a byte stream without decoding packets, so an
 * oversize packet is refused from its fixed header, before its body is buffered.
 *
 * Follows OASIS MQTT 3.1.1 §2.2 (fixed header): one byte of type and flags, then the
 * Remaining Length as a variable byte integer of 1–4 bytes (7 bits each, least significant
 * group first, bit 7 = more bytes follow; §2.2.3). Packet size = 1 + length bytes + Remaining
 * Length. A fifth length byte is a malformed packet.
 *
 * Pure: bytes in, verdict out, no I/O.
 */
export type ScanVerdict =
  | { ok: true }
  | { ok: false; problem: 'oversize'; packetType: number; sizeBytes: number }
  | { ok: false; problem: 'malformed'; detail: string };

const OK: ScanVerdict = { ok: true };

/** Incremental scanner; feed it every chunk read from one connection, in order. */
export class MqttFrameScanner {
  private state: 'header' | 'length' | 'body' = 'header';
  private packetType = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  /** Complete packets seen so far. */
  packets = 0;

  /** @param maxPacketBytes largest accepted packet, fixed header included. */
  constructor(private readonly maxPacketBytes: number) {}

  /** Scans one chunk; after a failing verdict the connection must be closed. */
  feed(chunk: Uint8Array): ScanVerdict {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'header': {
          this.packetType = (chunk[i] ?? 0) >> 4;
          i++;
          this.state = 'length';
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          break;
        }
        case 'length': {
          const b = chunk[i] ?? 0;
          i++;
          this.length += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if (b & 0x80) {
            if (this.lengthBytes === 4) {
              return { ok: false, problem: 'malformed', detail: 'remaining length longer than 4 bytes' };
            }
            break;
          }
          const size = 1 + this.lengthBytes + this.length;
          if (size > this.maxPacketBytes) {
            return { ok: false, problem: 'oversize', packetType: this.packetType, sizeBytes: size };
          }
          this.remaining = this.length;
          if (this.remaining === 0) {
            this.packets++;
            this.state = 'header';
          } else {
            this.state = 'body';
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.packets++;
            this.state = 'header';
          }
          break;
        }
      }
    }
    return OK;
  }
}
