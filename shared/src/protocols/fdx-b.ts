/**
 * ISO 11784 animal/bin tag numbering shared by the FDX-B decoders and encoders.
 * ISO 11784 §5: a 10-bit country code (ISO 3166 numeric, or 900–998 manufacturer codes;
 * 250 = France) and a 38-bit national identification code, written as
 * `CCC-NNNNNNNNNNNN` (3 + 12 digits, zero-padded), the canonical `BinTag` id.
 */

/** Highest country code (3 digits; 10 bits would allow 1023 but ISO 11784 uses ≤ 999). */
export const FDXB_MAX_COUNTRY = 999;
/** Highest national id: 12 decimal digits (the 38-bit field allows up to 274 877 906 943). */
export const FDXB_MAX_NATIONAL_ID = 274_877_906_943;

/** Canonical `CCC-NNNNNNNNNNNN` id, or null when a part is out of the ISO 11784 ranges. */
export function fdxbId(country: number, nationalId: number): string | null {
  if (!Number.isInteger(country) || country < 0 || country > FDXB_MAX_COUNTRY) return null;
  if (!Number.isSafeInteger(nationalId) || nationalId < 0 || nationalId > FDXB_MAX_NATIONAL_ID) return null;
  return `${String(country).padStart(3, '0')}-${String(nationalId).padStart(12, '0')}`;
}

/** Splits a canonical FDX-B id into its numbers (throws on a malformed id: caller's bug). */
export function parseFdxbId(id: string): { country: number; nationalId: number } {
  const m = /^(\d{3})-(\d{12})$/.exec(id);
  if (!m) throw new RangeError(`not a canonical FDX-B id: ${id}`);
  return { country: Number(m[1]), nationalId: Number(m[2]) };
}
