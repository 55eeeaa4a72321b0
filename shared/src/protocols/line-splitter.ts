/**
 * Splits a byte stream into `\n`-terminated lines for the ASCII device protocols (ST,GS
 * indicators, MT-SICS, panel RFID readers, NMEA). Memory is bounded: when a line grows past
 * `maxLineBytes` without a line end, its oldest bytes are dropped and reported as noise, so
 * a frame at the end of a long run of garbage is still found.
 */
import { concatBytes } from './byte-stream.js';

/** One line as received. */
export interface ReceivedLine {
  /** The bytes, line ending included (`\r\n` or `\n`), as they came. */
  raw: Uint8Array;
  /** The bytes without the line ending (one trailing `\r` removed). */
  body: Uint8Array;
}

/** Bounded `\n` line splitter; see the module comment. */
export class LineSplitter {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxLineBytes: number) {}

  /**
   * Feeds bytes; returns every line they complete and how many bytes were dropped because a
   * line exceeded `maxLineBytes`.
   */
  push(chunk: Uint8Array): { lines: ReceivedLine[]; droppedBytes: number } {
    const lines: ReceivedLine[] = [];
    let dropped = 0;
    let buf = concatBytes(this.pending, chunk);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      let lineStart = start;
      if (nl - lineStart > this.maxLineBytes) {
        dropped += nl - lineStart - this.maxLineBytes;
        lineStart = nl - this.maxLineBytes;
      }
      const raw = buf.slice(lineStart, nl + 1);
      const bodyEnd = nl > lineStart && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      lines.push({ raw, body: buf.slice(lineStart, bodyEnd) });
      start = nl + 1;
    }
    buf = buf.subarray(start);
    if (buf.length > this.maxLineBytes) {
      dropped += buf.length - this.maxLineBytes;
      buf = buf.subarray(buf.length - this.maxLineBytes);
    }
    this.pending = buf.slice();
    return { lines, droppedBytes: dropped };
  }

  /** Forgets the partial line. */
  reset(): void {
    this.pending = new Uint8Array(0);
  }

  /** Bytes currently held (never more than `maxLineBytes`). */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}
