/**
 * ISO 11784/11785 FDX-B tag numbers as ASCII lines from panel/stick readers, e.g. Allflex-style
 * `LA 982 000001088420\r\n`: an optional 2-letter reader prefix and a space, the 3-digit
 * country (or manufacturer) code, an optional separator (space, `_` or `-`), the 12-digit
 * national id, then the line end. Readers without a prefix send `982 000001088420` or the
 * 15 digits run together (`982000001088420`); all three are accepted.
 *
 * These lines carry no checksum. What protects against false tags is the grammar: a tag is
 * only read from a line whose END is exactly 3 + 12 digits in the shape above, so a line that
 * lost or garbled a digit, or a truncated line, is a bad frame, never a (different) tag.
 * Numbers outside ISO 11784 (national id above 38 bits) are bad frames too.
 */
import { fdxbId } from './fdx-b.js';
import { LineFrameDecoder, type LineVerdict, preview } from './line-frame-decoder.js';
import type { TagRead } from './types.js';

const LINE = /(?:[A-Z]{2} )?(\d{3})[ _-]?(\d{12}) *$/;
const MAX_LINE_BYTES = 96;

/** Streaming decoder of panel-reader FDX-B ASCII lines into `TagRead`s (scheme `fdx-b`). */
export class FdxbAsciiDecoder extends LineFrameDecoder<TagRead> {
  constructor() {
    super(MAX_LINE_BYTES);
  }

  protected override interpret(text: string): LineVerdict<TagRead> {
    const m = LINE.exec(text);
    if (!m) return { kind: 'bad', reason: `not an FDX-B tag line: "${preview(text)}"` };
    const id = fdxbId(Number(m[1]), Number(m[2]));
    if (id === null) return { kind: 'bad', reason: `out of ISO 11784 range: "${preview(m[0])}"` };
    return { kind: 'frame', start: m.index, value: { scheme: 'fdx-b', id } };
  }
}
