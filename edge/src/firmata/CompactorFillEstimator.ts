import type { PressureSettings } from './LifterBoardSettings.js';

/** One compactor pressure reading with the fill estimate it leads to. */
export interface CompactorPressure {
  /** Raw ADC reading. */
  raw: number;
  /** Hydraulic pressure, bar (0.1 bar resolution). */
  bar: number;
  /** Highest pressure of the stroke under way, or of the last finished stroke, bar. */
  strokePeakBar: number;
  /** Estimated body fill, 0 (empty) to 1 (full). */
  fill: number;
  /** ms since epoch, agent clock. */
  at: number;
}

/** ADC reading → bar on the transducer's straight line, clamped to [0, fullScaleBar], 0.1 bar steps. */
export function rawToBar(
  raw: number,
  p: Pick<PressureSettings, 'rawAtZero' | 'rawAtFullScale' | 'fullScaleBar'>,
): number {
  const bar = ((raw - p.rawAtZero) / (p.rawAtFullScale - p.rawAtZero)) * p.fullScaleBar;
  return Math.round(Math.min(p.fullScaleBar, Math.max(0, bar)) * 10) / 10;
}

/** Piecewise-linear lookup on `[x, y]` points sorted by x; flat outside the first and last point. */
export function interpolate(points: ReadonlyArray<readonly [number, number]>, x: number): number {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return 0;
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x0, y0] = points[i - 1]!;
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return last[1];
}

/**
 * Estimates how full the body is from the compactor's hydraulic pressure.
 *
 * The model: a rear loader's packer blade sweeps each load into the body and presses it against
 * the ejector plate, which holds back with a set pressure. As the body fills and the waste
 * densifies (loose 60–120 kg/m³ → 300–400 kg/m³ compacted, `domain.md` §1), each packing stroke
 * has to push harder, so the PEAK pressure of a stroke rises with fill. Between strokes the
 * pump idles and the pressure says nothing, so the estimate holds the last stroke's peak.
 * A stroke starts when the pressure rises above `strokeThresholdBar` and ends when it falls
 * back; during a stroke the estimate uses the higher of this stroke's running peak and the
 * last stroke's peak (no dip at the start of every stroke); when a stroke ends, its own peak
 * becomes the reference (so after unloading, the first stroke brings the estimate down).
 * `fillCurve` maps peak bar → fill; it must be calibrated per truck (body, ejector setting).
 *
 * Pure: readings in, estimates out; no I/O, no timers.
 */
export class CompactorFillEstimator {
  private inStroke = false;
  private strokePeak = 0;
  private lastPeak = 0;

  constructor(private readonly settings: PressureSettings) {}

  /** Feeds one ADC reading taken at `at` (ms since epoch). */
  push(raw: number, at: number): CompactorPressure {
    const bar = rawToBar(raw, this.settings);
    if (bar >= this.settings.strokeThresholdBar) {
      this.inStroke = true;
      this.strokePeak = Math.max(this.strokePeak, bar);
    } else if (this.inStroke) {
      this.inStroke = false;
      this.lastPeak = this.strokePeak;
      this.strokePeak = 0;
    }
    const peak = this.inStroke ? Math.max(this.strokePeak, this.lastPeak) : this.lastPeak;
    const fill = Math.round(interpolate(this.settings.fillCurve, peak) * 1000) / 1000;
    return { raw, bar, strokePeakBar: peak, fill, at };
  }

  /**
   * The body was emptied (the tailgate went up to eject the load): the last stroke's peak says
   * nothing any more, so the estimate falls to the empty body's until the next stroke.
   */
  emptied(): void {
    this.lastPeak = 0;
    if (!this.inStroke) this.strokePeak = 0;
  }
}
