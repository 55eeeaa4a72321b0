import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { initialTripState, type TripState } from './UnloadAdvisor.js';

const TripStateFile = z.object({
  tripSeq: z.number().int().min(1),
  liftsThisTrip: z.number().int().nonnegative(),
  payloadG: z.number().int(),
  unweighedG: z.number().int().nonnegative(),
  peakVolumeFill: z.number().min(0),
  routeId: z.string().nullable(),
  servedOrders: z.array(z.number().int()),
});

/**
 * The trip state on disk (`trip.json` in the data directory), so that a restarted agent — after a
 * crash, a `kill -9`, a power cut — goes on with the same trip number and payload. Written
 * atomically: a temporary file, fsynced, renamed over the old one, so a reader only ever sees a
 * whole state. A missing or unreadable file starts trip 1 (logged by the caller).
 */
export class TripStore {
  readonly file: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'trip.json');
  }

  /** The saved state, or a fresh one (and why) when there is none or it cannot be read. */
  load(): { state: TripState; problem: string | null } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { state: initialTripState(), problem: null };
    }
    try {
      return { state: TripStateFile.parse(JSON.parse(text)), problem: null };
    } catch (e) {
      return { state: initialTripState(), problem: `${this.file}: ${(e as Error).message.slice(0, 200)}` };
    }
  }

  /** Saves the state durably (write, fsync, rename). */
  save(state: TripState): void {
    writeJsonAtomic(this.file, state);
  }
}

/** Writes `value` as JSON to `file` so that readers see the old or the new content, never a part. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(value));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
