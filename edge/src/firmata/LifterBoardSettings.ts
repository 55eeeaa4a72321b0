import { z } from 'zod';

/** A lifter position sensor on a digital input. */
const sensorInputSchema = z.strictObject({
  pin: z.number().int().min(2).max(127),
  /**
   * True when the sensor pulls the line LOW when it closes (NPN proximity switch, or a contact to
   * ground with the pull-up on). False for PNP sensors that drive the line HIGH.
   */
  activeLow: z.boolean().default(false),
  /** Enable the board's internal pull-up (Firmata PULLUP mode) instead of plain INPUT. */
  pullup: z.boolean().default(false),
});

/** A straight line from the ADC reading to bar: `rawAtZero` is 0 bar, `rawAtFullScale` is `fullScaleBar`. */
const pressureSchema = z
  .strictObject({
    /** Analog channel (A0 = 0). */
    channel: z.number().int().min(0).max(15).default(0),
    /** ADC reading at 0 bar (102 for a 0.5–4.5 V transducer on a 5 V, 10-bit ADC; 0 for a 0–5 V one). */
    rawAtZero: z.number().int().min(0).default(0),
    /** ADC reading at full scale (921 for 0.5–4.5 V; 1023 for 0–5 V). */
    rawAtFullScale: z.number().int().positive().default(1023),
    /** Pressure at full scale, bar (the transducer's range, e.g. 250 bar). */
    fullScaleBar: z.number().positive().default(250),
    /** A new reading is emitted when it moves at least this much, bar. */
    deadbandBar: z.number().min(0).default(1),
    /** Firmata sampling interval asked of the board, ms. */
    samplingIntervalMs: z.number().int().min(10).max(65_535).default(100),
    /** Above this the packer is working a stroke; each stroke's peak feeds the fill estimate, bar. */
    strokeThresholdBar: z.number().positive().default(40),
    /**
     * Peak packing pressure → body fill (0–1), as points `[bar, fill]`, bar ascending, fill not
     * decreasing; linear between points, flat outside. Calibrate per truck: the default says
     * strokes peaking under 60 bar push into an empty body and 180 bar means the body is full.
     */
    fillCurve: z
      .array(z.tuple([z.number().min(0), z.number().min(0).max(1)]))
      .min(2)
      .default([
        [60, 0],
        [180, 1],
      ]),
  })
  .refine((p) => p.rawAtFullScale > p.rawAtZero, { message: 'rawAtFullScale must be above rawAtZero' })
  .refine(
    (p) => p.fillCurve.every((pt, i, a) => i === 0 || (pt[0] > a[i - 1]![0] && pt[1] >= a[i - 1]![1])),
    {
      message: 'fillCurve must have ascending bar and non-decreasing fill',
    },
  );

/**
 * The lifter's Firmata board: which pins carry what, and how to read them. Pins default to an
 * Arduino Uno wired clamp → D2, arm-at-top → D3, tailgate → D4, buzzer → D8, LED → D13,
 * pressure → A0.
 */
export const lifterBoardSettingsSchema = z
  .strictObject({
    /** Clamp sensor: closes when a bin is hooked and held in weighing position. */
    clamp: sensorInputSchema.default({ pin: 2, activeLow: false, pullup: false }),
    /** Arm-at-top sensor: closes when the arm has tipped the bin into the body. */
    armTop: sensorInputSchema.default({ pin: 3, activeLow: false, pullup: false }),
    /**
     * Tailgate sensor: closes when the tailgate is raised off the body. A rear loader only raises
     * it to eject its load at the treatment site, so a raise is the unload, however full the body
     * was. `null`: not wired (the agent then sees an unload only from the compactor fill falling
     * after a load, which misses a partly filled body).
     */
    tailgate: sensorInputSchema.nullable().default({ pin: 4, activeLow: false, pullup: false }),
    /** A level must hold this long before it counts (contact bounce, vibration), ms. */
    debounceMs: z.number().int().min(0).default(30),
    pressure: pressureSchema.default({
      channel: 0,
      rawAtZero: 0,
      rawAtFullScale: 1023,
      fullScaleBar: 250,
      deadbandBar: 1,
      samplingIntervalMs: 100,
      strokeThresholdBar: 40,
      fillCurve: [
        [60, 0],
        [180, 1],
      ],
    }),
    /** Cab LED (driven HIGH = on). */
    ledPin: z.number().int().min(2).max(127).default(13),
    /** Active buzzer (self-oscillating; HIGH = sounding). */
    buzzerPin: z.number().int().min(2).max(127).default(8),
    /** "Unknown bin" clears itself after this long, ms (0 = stays until cleared). */
    unknownBinHoldMs: z.number().int().min(0).default(5_000),
    /** If the board has not announced its version by then, ask for it (boards that do not reset on open), ms. */
    versionQueryDelayMs: z.number().int().min(0).default(2_000),
    /** The handshake (version, firmware, capabilities) must finish within this, ms. */
    handshakeTimeoutMs: z.number().int().positive().default(15_000),
  })
  .refine(
    (b) => {
      const pins = [b.clamp.pin, b.armTop.pin, b.tailgate?.pin, b.ledPin, b.buzzerPin].filter(
        (p) => p !== undefined,
      );
      return new Set(pins).size === pins.length;
    },
    { message: 'clamp, armTop, tailgate, ledPin and buzzerPin must be on different pins' },
  );

/** Lifter board settings, defaults applied. */
export type LifterBoardSettings = z.infer<typeof lifterBoardSettingsSchema>;
/** Pressure channel settings, defaults applied. */
export type PressureSettings = LifterBoardSettings['pressure'];
