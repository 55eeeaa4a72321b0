/**
 * Responses of Mettler Toledo MT-SICS level 0 (MT-SICS Reference Manual, commands `S` and
 * `SI`, "Responses" and "Error messages" sections), CR LF terminated:
 *
 *   `S S     100.00 kg`  stable weight (answer to `S`, or to `SI` when stable)
 *   `S D     100.02 kg`  dynamic (not stable) weight, answer to `SI`
 *   `S I`                command understood, not executable now (balance busy / never stable)
 *   `S +` / `S -`        overload / underload
 *   `ES` / `ET` / `EL`   syntax error / transmission error / logical error
 *
 * The weight field is right-aligned with a sign when negative; units g, kg, t, lb are
 * accepted. Mapping: `S S` → stable, `S D` → motion, `S I` → motion with no weight (the lift
 * cycle just keeps waiting), `S +`/`S -` → overload/underload, errors → bad frames.
 * `S`/`SI` report the displayed value, which MT-SICS defines as the NET weight (equal to
 * gross when no tare is set on the instrument), so readings carry `mode: 'net'`.
 */
import { bytesOf } from './byte-stream.js';
import { LineFrameDecoder, type LineVerdict, preview } from './line-frame-decoder.js';
import { decimalToGrams, massUnitOf } from './mass-units.js';
import type { WeightReading } from './types.js';

const WEIGHT = /S ([SD]) +(-?\d+(?:\.\d+)?) +([A-Za-z]+) *$/;
const STATE = /S ([I+-])$/;
const ERROR = /(E[STL])$/;
const MAX_LINE_BYTES = 96;

const ERRORS: Record<string, string> = {
  ES: 'ES: syntax error (command not recognised)',
  ET: 'ET: transmission error (parity or line)',
  EL: 'EL: logical error (command cannot be executed)',
};

/** The command bytes of an MT-SICS command (`SI` → `SI\r\n`). */
export function mtSicsCommand(command: 'S' | 'SI' | 'Z' | 'T' | '@'): Uint8Array {
  return bytesOf(`${command}\r\n`);
}

/** `SI\r\n`: weigh immediately, the poll the truck agent sends. */
export const MT_SICS_POLL = mtSicsCommand('SI');

/** Streaming decoder of MT-SICS weight responses into `WeightReading`s. */
export class MtSicsDecoder extends LineFrameDecoder<WeightReading> {
  private lastResolutionG = 1;

  constructor() {
    super(MAX_LINE_BYTES);
  }

  protected override interpret(text: string): LineVerdict<WeightReading> {
    const w = WEIGHT.exec(text);
    if (w) {
      const [, kind, valueText = '', unitText = ''] = w;
      const unit = massUnitOf(unitText);
      if (unit === null) return { kind: 'bad', reason: `unsupported unit "${preview(unitText)}"` };
      const parsed = decimalToGrams(valueText, unit);
      if (!parsed) return { kind: 'bad', reason: `bad weight value "${preview(valueText)}"` };
      this.lastResolutionG = parsed.resolutionG;
      return {
        kind: 'frame',
        start: w.index,
        value: {
          status: kind === 'S' ? 'stable' : 'motion',
          mode: 'net',
          weightG: parsed.grams,
          resolutionG: parsed.resolutionG,
        },
      };
    }
    const s = STATE.exec(text);
    if (s) {
      const status = s[1] === '+' ? 'overload' : s[1] === '-' ? 'underload' : 'motion';
      return {
        kind: 'frame',
        start: s.index,
        value: { status, mode: 'net', weightG: null, resolutionG: this.lastResolutionG },
      };
    }
    const e = ERROR.exec(text);
    if (e) return { kind: 'bad', reason: ERRORS[e[1] ?? ''] ?? `error ${e[1]}` };
    return { kind: 'bad', reason: `not an MT-SICS response: "${preview(text)}"` };
  }
}
