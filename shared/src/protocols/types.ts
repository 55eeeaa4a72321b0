/**
 * Typed frames every truck-device decoder produces, whatever the wire protocol. Decoders are
 * pure and streaming: `push(bytes)` returns what the bytes completed, no I/O, no timers.
 */

/** Indicator status, as the instrument reports it. */
export type WeightStatus = 'stable' | 'motion' | 'overload' | 'underload';

/** One reading from a weighing indicator, normalised to integer grams. */
export interface WeightReading {
  status: WeightStatus;
  /** Gross or net (the indicator's own tare subtracted). */
  mode: 'gross' | 'net';
  /** Displayed weight in integer grams; null when the instrument sends none (overload/underload). */
  weightG: number | null;
  /** Tare the indicator holds, grams, when the protocol carries it (Toledo). */
  tareG?: number | null;
  /** Smallest step of the displayed value, grams (from the decimal point position). */
  resolutionG: number;
}

/** A tag read by an RFID reader, with the canonical id the contract uses (`BinTag`). */
export interface TagRead {
  scheme: 'em4100' | 'fdx-b';
  /** EM4100: 10 upper-case hex digits; FDX-B: `CCC-NNNNNNNNNNNN`. */
  id: string;
}

/** What a decoder yields for each frame it delimits: a good frame, or a bad one kept for diagnosis. */
export type DecodedFrame<T> =
  | { ok: true; value: T; raw: Uint8Array }
  | { ok: false; reason: string; raw: Uint8Array };

/** A streaming byte → frame decoder. Feed chunks as they come (split or merged, in any sizes). */
export interface FrameDecoder<T> {
  /** Bytes in; every frame those bytes complete comes out, in order. */
  push(chunk: Uint8Array): DecodedFrame<T>[];
  /** Forget buffered partial input (after a port reopen). */
  reset(): void;
  /** Counters since creation: good frames, bad frames (checksum, format), bytes skipped as noise. */
  readonly stats: { frames: number; badFrames: number; noiseBytes: number };
}

/**
 * One position report from a GNSS receiver (NMEA 0183 RMC or GGA sentence), WGS 84.
 * `valid` is the receiver's own verdict (RMC status `A`, GGA fix quality > 0); when it is
 * false the coordinates may be absent (null) or stale and must not be used.
 */
export interface PositionFix {
  /** Which sentence the fix comes from. */
  sentence: 'RMC' | 'GGA';
  /** Decimal degrees, north positive; null when the receiver sent none. */
  lat: number | null;
  /** Decimal degrees, east positive; null when the receiver sent none. */
  lon: number | null;
  /** UTC ISO-8601 with milliseconds; null only for a GGA (no date) before any RMC gave the date. */
  fixAt: string | null;
  /** Horizontal accuracy estimate in metres (HDOP × UERE); null when no HDOP is known yet. */
  accuracyM: number | null;
  /** True when the receiver says it has a fix. */
  valid: boolean;
}
