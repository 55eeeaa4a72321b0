/**
 * The "ST,GS" ASCII continuous output of most general-purpose weighing indicators
 * (A&D AD-4406/AD-4410 "standard format", and the many indicators that copied it:
 * Keli, Yaohua, CAS CI series), RS-232/RS-485 9600 8N1, 5–10 frames/s:
 *
 *   `[AA]SS,MM,±VVVVVVVUU\r\n`   e.g. `ST,GS,+0012.34kg\r\n`, `01US,NT,-  0.50 kg\r\n`
 *
 * `AA` optional 2-char RS-485 address; `SS` status: `ST` stable, `US` unstable (motion),
 * `OL` overload, `UL` underload; `MM` mode: `GS` gross, `NT` net; value with a sign,
 * leading zeros or spaces and a decimal point; the sign is required (these
 * indicators always send it, and requiring it stops a garbled `-` from reading as positive); unit `kg` or `lb` (case-insensitive, a space
 * before it tolerated). Pounds are converted exactly (see `mass-units.ts`).
 *
 * No checksum: the grammar is the only protection. An `OL`/`UL` frame carries no usable
 * weight (`weightG: null`) whatever its value field holds (often dashes or 9s).
 */
import { LineFrameDecoder, type LineVerdict, preview } from './line-frame-decoder.js';
import { decimalToGrams, massUnitOf } from './mass-units.js';
import type { WeightReading, WeightStatus } from './types.js';

const FRAME = /([0-9A-Za-z]{2})?(ST|US|OL|UL),(GS|NT),([^,]*?) *(kg|lb) *$/i;
const MAX_LINE_BYTES = 96;

const STATUS: Record<string, WeightStatus> = {
  ST: 'stable',
  US: 'motion',
  OL: 'overload',
  UL: 'underload',
};

/** Options of `StGsDecoder`. */
export interface StGsOptions {
  /**
   * RS-485 address this decoder listens to (2 chars). When set, frames without it or with
   * another address are ignored (counted as noise: they belong to another instrument).
   * When unset, frames are accepted with or without an address.
   */
  address?: string;
}

/** Streaming decoder of ST,GS-family indicator frames into `WeightReading`s. */
export class StGsDecoder extends LineFrameDecoder<WeightReading> {
  private lastResolutionG = 1;

  constructor(private readonly options: StGsOptions = {}) {
    super(MAX_LINE_BYTES);
  }

  protected override interpret(text: string): LineVerdict<WeightReading> {
    const m = FRAME.exec(text);
    if (!m) return { kind: 'bad', reason: `not an ST,GS frame: "${preview(text)}"` };
    const [, address, statusText = '', modeText = '', valueText = '', unitText = ''] = m;
    if (this.options.address !== undefined && address !== this.options.address) return { kind: 'ignore' };
    const status = STATUS[statusText.toUpperCase()] ?? 'motion';
    const mode = modeText.toUpperCase() === 'NT' ? 'net' : 'gross';
    const unit = massUnitOf(unitText) ?? 'kg';
    const parsed = decimalToGrams(valueText, unit);
    if (parsed) this.lastResolutionG = parsed.resolutionG;
    if (status === 'overload' || status === 'underload') {
      return {
        kind: 'frame',
        start: m.index,
        value: { status, mode, weightG: null, resolutionG: this.lastResolutionG },
      };
    }
    // The sign is mandatory in this family: a lost or garbled sign must not flip the weight.
    if (!parsed || !/^ *[+-]/.test(valueText)) {
      return { kind: 'bad', reason: `bad weight value "${preview(valueText)}"` };
    }
    return {
      kind: 'frame',
      start: m.index,
      value: { status, mode, weightG: parsed.grams, resolutionG: parsed.resolutionG },
    };
  }
}
