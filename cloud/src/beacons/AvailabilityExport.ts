import type { AvailabilityReport } from './BeaconFleet.js';

/** CSV dialect of the report: `,` by default, or `;` + BOM + decimal comma for French Excel. */
export type AvailabilityDialect = 'standard' | 'excel-fr';

/**
 * Columns of the availability CSV, in order. Stable: a change is a new documented version
 * (`docs/beacon-operations.md`). The last line has `beacon_id` = `TOTAL`.
 */
export const AVAILABILITY_COLUMNS = [
  'month',
  'beacon_id',
  'name',
  'shop',
  'registered_at',
  'eligible_slots',
  'heard_slots',
  'missed_slots',
  'availability_pct',
] as const;

function field(value: string, sep: string): string {
  return /["\r\n]/.test(value) || value.includes(sep) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** heard/eligible as a percentage with 2 decimals, rounded half up on integers (no float drift); empty when nothing was owed. */
export function percent(heard: number, eligible: number): string {
  if (eligible === 0) return '';
  const hundredths = Math.floor((heard * 10_000 * 2 + eligible) / (2 * eligible));
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

/** The report as CSV: RFC 4180 quoting, CRLF line ends, one line per beacon, then the totals. */
export function availabilityCsv(r: AvailabilityReport, dialect: AvailabilityDialect = 'standard'): string {
  const sep = dialect === 'excel-fr' ? ';' : ',';
  const dec = (s: string) => (dialect === 'excel-fr' ? s.replace('.', ',') : s);
  const line = (cells: string[]) => cells.map((c) => field(c, sep)).join(sep);
  const lines = [AVAILABILITY_COLUMNS.join(sep)];
  for (const b of r.beacons) {
    lines.push(
      line([
        r.month,
        b.beaconId,
        b.name,
        b.shop ?? '',
        b.registeredAt,
        String(b.eligible),
        String(b.heard),
        String(b.eligible - b.heard),
        dec(percent(b.heard, b.eligible)),
      ]),
    );
  }
  const t = r.totals;
  lines.push(
    line([
      r.month,
      'TOTAL',
      `${t.beacons} beacons`,
      '',
      '',
      String(t.eligible),
      String(t.heard),
      String(t.eligible - t.heard),
      dec(percent(t.heard, t.eligible)),
    ]),
  );
  return `${dialect === 'excel-fr' ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}
