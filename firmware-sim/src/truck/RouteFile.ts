import { readFileSync } from 'node:fs';
import type { RouteCommand } from '@releve/shared';
import { z } from 'zod';

/** One bin to lift: what is on the street, as the simulated devices will show it. */
export const RouteBin = z.object({
  type: z.literal('bin'),
  /** Canonical tag id (EM4100 10 hex, FDX-B `CCC-NNNNNNNNNNNN`); null: the tag cannot be read. */
  tagId: z.string().nullable(),
  scheme: z.enum(['em4100', 'fdx-b']).default('em4100'),
  volumeL: z.number().int().positive().default(240),
  /** Empty bin weight, grams (EN 840 240 L: ~14 kg). */
  binTareG: z.number().int().nonnegative().default(14_000),
  /** Household waste in the bin, grams. */
  wasteG: z.number().int().nonnegative(),
  /** Typical weight the cloud expects for this bin (route command), grams; defaults to `wasteG`. */
  expectedWeightG: z.number().int().nonnegative().optional(),
  /** The indicator never settles while this bin is weighed. */
  unstable: z.boolean().default(false),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});
export type RouteBin = z.infer<typeof RouteBin>;

/** The body is emptied at the treatment site. */
export const RouteUnload = z.object({
  type: z.literal('unload'),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});

/** A scripted collection round for the simulated truck. */
export const RouteFile = z.object({
  routeId: z.string().min(1).default('sim-route'),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .default('2026-11-28'),
  stops: z.array(z.discriminatedUnion('type', [RouteBin, RouteUnload])).min(1),
});
export type RouteFile = z.infer<typeof RouteFile>;

/** Reads and validates a route file (JSON). */
export function readRouteFile(path: string): RouteFile {
  return RouteFile.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The cloud's `RouteCommand` for this round: the bins in order with their expected weights. */
export function routeCommandOf(route: RouteFile, version = 1, issuedAt = new Date()): RouteCommand {
  const bins = route.stops.filter((s): s is RouteBin => s.type === 'bin');
  return {
    version,
    issuedAt: issuedAt.toISOString(),
    routeId: route.routeId,
    date: route.date,
    stops: bins.map((b, i) => ({
      order: i + 1,
      tagId: b.tagId,
      volumeL: b.volumeL,
      expectedWeightG: b.expectedWeightG ?? b.wasteG,
      ...(b.lat !== undefined ? { lat: b.lat } : {}),
      ...(b.lon !== undefined ? { lon: b.lon } : {}),
    })),
  };
}

/** A deterministic pseudo-random source (mulberry32) so generated routes repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of `generateRoute`. */
export interface GenerateRouteOptions {
  bins: number;
  seed?: number;
  /** Insert an unload stop after this many bins (repeatedly). */
  unloadEvery?: number;
  /** Fraction of bins whose tag cannot be read. */
  unreadableTags?: number;
  /** Fraction of bins the indicator never settles for. */
  unstableBins?: number;
}

/**
 * A route of `bins` 240 L bins around Gignac with household weights of 5–60 kg in 0.5 kg steps
 * (the indicator's e), EM4100 tags `0000000001`, `0000000002`, …
 */
export function generateRoute(o: GenerateRouteOptions): RouteFile {
  const rnd = seededRandom(o.seed ?? 1);
  const stops: RouteFile['stops'] = [];
  for (let i = 1; i <= o.bins; i++) {
    const wasteG = 500 * (10 + Math.floor(rnd() * 111));
    stops.push({
      type: 'bin',
      tagId: rnd() < (o.unreadableTags ?? 0) ? null : i.toString(16).toUpperCase().padStart(10, '0'),
      scheme: 'em4100',
      volumeL: 240,
      binTareG: 14_000,
      wasteG,
      unstable: rnd() < (o.unstableBins ?? 0),
      lat: 43.65 + rnd() * 0.02,
      lon: 3.54 + rnd() * 0.02,
    });
    if (o.unloadEvery && i % o.unloadEvery === 0 && i < o.bins) stops.push({ type: 'unload' });
  }
  return { routeId: `sim-${o.seed ?? 1}-${o.bins}`, date: '2026-11-28', stops };
}
