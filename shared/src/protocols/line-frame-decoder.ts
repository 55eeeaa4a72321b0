/**
 * Base of the decoders of ASCII line protocols (ST,GS indicators, MT-SICS, panel FDX-B
 * readers, NMEA). Each `\n`-terminated line is handed to the subclass, which finds the frame
 * at the END of the line (line noise ends up in front of the next frame, since the noise has
 * no line end of its own) and says where it starts. What the rules are:
 * - bytes in front of the frame, blank lines and lines the subclass ignores count as noise;
 * - a non-blank line holding no frame is a bad frame (`ok: false`, kept for diagnosis);
 * - lines are bounded (`maxLineBytes`, see `LineSplitter`): garbage cannot grow memory.
 */
import { type DecoderStats, emptyStats, latin1 } from './byte-stream.js';
import { LineSplitter } from './line-splitter.js';
import type { DecodedFrame, FrameDecoder } from './types.js';

/** What a subclass makes of one line (text is Latin-1, one char per byte, no line ending). */
export type LineVerdict<T> =
  | { kind: 'frame'; start: number; value: T }
  | { kind: 'bad'; reason: string }
  | { kind: 'ignore' };

/** See the module comment. */
export abstract class LineFrameDecoder<T> implements FrameDecoder<T> {
  private readonly lines: LineSplitter;
  private readonly counters: DecoderStats = emptyStats();

  constructor(maxLineBytes: number) {
    this.lines = new LineSplitter(maxLineBytes);
  }

  /** Interprets one non-blank line. */
  protected abstract interpret(text: string): LineVerdict<T>;

  get stats(): Readonly<DecoderStats> {
    return this.counters;
  }

  push(chunk: Uint8Array): DecodedFrame<T>[] {
    const { lines, droppedBytes } = this.lines.push(chunk);
    this.counters.noiseBytes += droppedBytes;
    const out: DecodedFrame<T>[] = [];
    for (const line of lines) {
      const text = latin1(line.body);
      if (!/[!-~]/.test(text)) {
        this.counters.noiseBytes += line.raw.length;
        continue;
      }
      const verdict = this.interpret(text);
      switch (verdict.kind) {
        case 'ignore':
          this.counters.noiseBytes += line.raw.length;
          break;
        case 'bad':
          this.counters.badFrames += 1;
          out.push({ ok: false, reason: verdict.reason, raw: line.raw });
          break;
        case 'frame':
          this.counters.noiseBytes += verdict.start;
          this.counters.frames += 1;
          out.push({ ok: true, value: verdict.value, raw: line.raw.slice(verdict.start) });
          break;
        default: {
          const never: never = verdict;
          throw new TypeError(`unhandled line verdict ${String(never)}`);
        }
      }
    }
    return out;
  }

  reset(): void {
    this.lines.reset();
  }
}

/** Printable preview of a line for a bad-frame reason (non-printables as `\xNN`, cut at 40 chars). */
export function preview(text: string): string {
  const shown = text
    .slice(0, 40)
    .replace(/[^ -~]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > 40 ? `${shown}…` : shown;
}
