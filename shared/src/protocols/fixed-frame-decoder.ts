/**
 * Base of the decoders whose frames have a fixed header and a fixed length (EM4100, FDX-B
 * binary, Toledo continuous). The scan is the classic resynchronising one: look for the
 * header, wait for a whole frame, let the subclass judge it; when the bytes are not a frame
 * at all (wrong end byte, non-digit where a digit must be) skip one byte and look again, so
 * a stray header byte in line noise never hides the real frame behind it. At most
 * `frameLength − 1` bytes are ever buffered.
 */
import { concatBytes, type DecoderStats, emptyStats } from './byte-stream.js';
import type { DecodedFrame, FrameDecoder } from './types.js';

/** See the module comment. */
export abstract class FixedFrameDecoder<T> implements FrameDecoder<T> {
  /** Bytes every frame starts with. */
  protected abstract readonly header: Uint8Array;
  /** Length of a whole frame, header included. */
  protected abstract readonly frameLength: number;
  /**
   * After a bad frame, resume the scan one byte after its start instead of after its end.
   * For protocols whose frame body can contain the end byte (binary payloads): a truncated
   * frame followed by a whole one then costs a bad frame, not the whole one too.
   */
  protected readonly resyncAfterBadFrame: boolean = false;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly counters: DecoderStats = emptyStats();

  /**
   * Judges `frameLength` bytes that start with the header: a good or bad frame, or null when
   * the bytes cannot be a frame of this protocol (the scan then moves on by one byte).
   */
  protected abstract judge(frame: Uint8Array): DecodedFrame<T> | null;

  get stats(): Readonly<DecoderStats> {
    return this.counters;
  }

  push(chunk: Uint8Array): DecodedFrame<T>[] {
    const buf = concatBytes(this.pending, chunk);
    const out: DecodedFrame<T>[] = [];
    let i = 0;
    while (i < buf.length) {
      const start = this.findHeader(buf, i);
      this.counters.noiseBytes += start - i;
      i = start;
      if (buf.length - start < this.frameLength) break;
      const verdict = this.judge(buf.slice(start, start + this.frameLength));
      if (verdict === null) {
        this.counters.noiseBytes += 1;
        i = start + 1;
        continue;
      }
      if (verdict.ok) this.counters.frames += 1;
      else this.counters.badFrames += 1;
      out.push(verdict);
      i = !verdict.ok && this.resyncAfterBadFrame ? start + 1 : start + this.frameLength;
    }
    this.pending = buf.slice(i);
    return out;
  }

  reset(): void {
    this.pending = new Uint8Array(0);
  }

  /** First offset ≥ `from` where the header starts (or may start, cut by the end of `buf`). */
  private findHeader(buf: Uint8Array, from: number): number {
    for (let p = from; p < buf.length; p += 1) {
      let matches = true;
      for (let k = 0; k < this.header.length && p + k < buf.length; k += 1) {
        if (buf[p + k] !== this.header[k]) {
          matches = false;
          break;
        }
      }
      if (matches) return p;
    }
    return buf.length;
  }
}
