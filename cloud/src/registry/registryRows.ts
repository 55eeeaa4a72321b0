import { BeaconId, BleAddress, DeviceId } from '@releve/shared';
import { z } from 'zod';

/**
 * Row schemas of the registry CSV files (documented in `docs/registry.md`). Cells arrive as
 * trimmed strings; an empty cell is "not given".
 */

const empty = (v: unknown) => (v === '' ? undefined : v);
const text = (max: number) => z.string().min(1).max(max);
const optionalText = (max: number) => z.preprocess(empty, z.string().max(max).optional());
const intCell = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(Number.MAX_SAFE_INTEGER));
const optionalInt = (min: number) => z.preprocess(empty, intCell(min).optional());
const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number with a point')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'id: 1–64 of letters, digits, . _ -');

/** A calendar date `YYYY-MM-DD` that exists. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00.000Z`).toISOString().startsWith(s), 'not a calendar date');
const optionalDate = z.preprocess(empty, CalendarDate.optional());

/** A date (midnight UTC) or a UTC time with ms, normalised to `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
const Instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\.\d{3}Z)?$/,
    'expected a date YYYY-MM-DD or a UTC time 2026-11-28T07:15:02.120Z',
  )
  .transform((s) => (s.length === 10 ? `${s}T00:00:00.000Z` : s))
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, 'not a calendar time');

/**
 * A bin tag as printed or read: EM4100 10 hex digits (any case), FDX-B `CCC-NNNNNNNNNNNN`,
 * `CCC NNNNNNNNNNNN` or 15 digits. Canonicalised as the contract's `BinTag.id`.
 */
export const TagCell = z
  .string()
  .transform((s) => s.replace(/\s+/g, ' ').trim())
  .transform((s, ctx) => {
    if (/^[0-9A-Fa-f]{10}$/.test(s)) return { scheme: 'em4100' as const, id: s.toUpperCase() };
    const fdx = /^(\d{3})[- ]?(\d{12})$/.exec(s);
    if (fdx) return { scheme: 'fdx-b' as const, id: `${fdx[1]}-${fdx[2]}` };
    ctx.addIssue({ code: 'custom', message: 'EM4100 10 hex digits or FDX-B CCC-NNNNNNNNNNNN' });
    return z.NEVER;
  });

export const AccountRow = z.object({
  account_id: id,
  kind: z.enum(['business', 'building-manager', 'household']),
  name: text(200),
  address: optionalText(300),
  email: z.preprocess(empty, z.email().optional()),
});

export const HouseholdRow = z
  .object({
    household_id: id,
    name: text(200),
    address: optionalText(300),
    email: z.preprocess(empty, z.email().optional()),
    persons: intCell(1).pipe(z.number().max(50)),
    moved_in: CalendarDate,
    moved_out: optionalDate,
    building_id: z.preprocess(empty, id.optional()),
  })
  .refine((r) => !r.moved_out || r.moved_out >= r.moved_in, {
    message: 'moved_out is before moved_in',
    path: ['moved_out'],
  });

export const BuildingRow = z.object({
  building_id: id,
  name: text(200),
  address: optionalText(300),
  dwellings: intCell(1),
  manager_account_id: id,
});

export const BinRow = z
  .object({
    bin_id: id,
    tag: TagCell,
    volume_l: intCell(1).pipe(z.number().max(5000)),
    account_id: z.preprocess(empty, id.optional()),
    building_id: z.preprocess(empty, id.optional()),
    valid_from: Instant,
    valid_to: z.preprocess(empty, Instant.optional()),
  })
  .refine((r) => (r.account_id === undefined) !== (r.building_id === undefined), {
    message: 'give exactly one of account_id and building_id',
    path: ['account_id'],
  })
  .refine((r) => !r.valid_to || r.valid_to > r.valid_from, {
    message: 'valid_to is not after valid_from',
    path: ['valid_to'],
  });

export const TruckRow = z.object({
  truck_id: DeviceId,
  name: text(200),
  plate: optionalText(20),
  max_payload_g: intCell(1),
  body_volume_l: optionalInt(1),
  scale_interval_g: intCell(1),
});

export const GatewayRow = z.object({
  gateway_id: DeviceId,
  name: text(200),
  lat: decimal(-90, 90),
  lon: decimal(-180, 180),
  site: optionalText(200),
});

export const BeaconRow = z.object({
  beacon_id: BeaconId,
  address: z.preprocess(
    empty,
    z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(BleAddress)
      .optional(),
  ),
  name: text(100),
  lat: decimal(-90, 90),
  lon: decimal(-180, 180),
  expected_interval_ms: optionalInt(1),
  shop: optionalText(200),
});

/** Columns a schema declares, split by whether a cell may be left empty. */
export function columnsOf(schema: z.ZodType): { required: string[]; optional: string[] } {
  let s: z.ZodType = schema;
  while (!(s instanceof z.ZodObject) && 'in' in (s as { in?: z.ZodType }))
    s = (s as unknown as { in: z.ZodType }).in;
  const shape = (s as z.ZodObject).shape as Record<string, z.ZodType>;
  const required: string[] = [];
  const optional: string[] = [];
  for (const [k, v] of Object.entries(shape)) (v.safeParse(undefined).success ? optional : required).push(k);
  return { required, optional };
}
