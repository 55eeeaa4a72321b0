/**
 * Billing periods and calendar days. Every date in billing is a local calendar day
 * (`YYYY-MM-DD`) in the authority's time zone (Europe/Paris by default): a lift at
 * 23:30 UTC on 31 December belongs to 1 January. Ranges are half-open: [from, to).
 */
export interface BillingPeriod {
  /** `2026-H1`, `2026-T2` (four-month), `2026-Q3`, `2026-07`, `2026`. */
  id: string;
  /** First day, inclusive. */
  from: string;
  /** Day after the last day (exclusive). */
  to: string;
}

const DAY_MS = 86_400_000;

const dayNumbers = new Map<string, number>();

/** Days since 1970-01-01 of a `YYYY-MM-DD` day (memoised: billing asks for the same few hundred days). */
export function dayNumber(day: string): number {
  let n = dayNumbers.get(day);
  if (n === undefined) {
    n = Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
    if (dayNumbers.size > 100_000) dayNumbers.clear();
    dayNumbers.set(day, n);
  }
  return n;
}

/** The `YYYY-MM-DD` of a day number. */
export function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Number of days in [from, to). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** Days in the calendar year (365 or 366). */
export function daysInYear(year: number): number {
  return daysBetween(`${year}-01-01`, `${year + 1}-01-01`);
}

function monthStart(year: number, month: number): string {
  const y = year + Math.floor((month - 1) / 12);
  const m = ((month - 1) % 12) + 1;
  return `${y}-${String(m).padStart(2, '0')}-01`;
}

/** Parses a period id; null when it is not one. */
export function parsePeriod(id: string): BillingPeriod | null {
  let m = /^(\d{4})$/.exec(id);
  if (m) return { id, from: `${m[1]}-01-01`, to: `${Number(m[1]) + 1}-01-01` };
  m = /^(\d{4})-(H|T|Q)([1-4])$/.exec(id);
  if (m) {
    const year = Number(m[1]);
    const months = m[2] === 'H' ? 6 : m[2] === 'T' ? 4 : 3;
    const index = Number(m[3]);
    if (index * months > 12) return null;
    return { id, from: monthStart(year, (index - 1) * months + 1), to: monthStart(year, index * months + 1) };
  }
  m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(id);
  if (m)
    return {
      id,
      from: monthStart(Number(m[1]), Number(m[2])),
      to: monthStart(Number(m[1]), Number(m[2]) + 1),
    };
  return null;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

const dayByUtcHour = new Map<string, Map<string, string>>();

/**
 * The local calendar day of a UTC instant in a time zone. Cached by UTC hour: the zones we
 * serve change offset on whole hours, and a period has only a few thousand hours, so a
 * million lifts cost a few thousand Intl calls.
 */
export function localDay(utcIso: string, timeZone: string): string {
  let byHour = dayByUtcHour.get(timeZone);
  if (byHour === undefined) {
    byHour = new Map();
    dayByUtcHour.set(timeZone, byHour);
  }
  const hour = utcIso.slice(0, 13);
  const cached = byHour.get(hour);
  if (cached !== undefined) return cached;
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  const day = f.format(new Date(`${utcIso.slice(0, 13)}:00:00.000Z`));
  if (byHour.size > 200_000) byHour.clear();
  byHour.set(hour, day);
  return day;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Milliseconds since the epoch of a UTC timestamp. The contract's form
 * (`2026-11-28T07:15:02.120Z`) is read digit by digit, several times faster than `Date.parse`
 * (a billing run reads millions); any other form goes through `Date.parse`. NaN when unreadable.
 */
export function utcMillis(ts: string): number {
  if (
    ts.length !== 24 ||
    ts.charCodeAt(4) !== 45 ||
    ts.charCodeAt(7) !== 45 ||
    ts.charCodeAt(10) !== 84 ||
    ts.charCodeAt(13) !== 58 ||
    ts.charCodeAt(16) !== 58 ||
    ts.charCodeAt(19) !== 46 ||
    ts.charCodeAt(23) !== 90
  ) {
    return Date.parse(ts);
  }
  const t = civilMillis(
    digitsAt(ts, 0, 4),
    digitsAt(ts, 5, 7),
    digitsAt(ts, 8, 10),
    digitsAt(ts, 11, 13),
    digitsAt(ts, 14, 16),
    digitsAt(ts, 17, 19),
    digitsAt(ts, 20, 23),
    31,
  );
  return Number.isNaN(t) ? Date.parse(ts) : t;
}

/**
 * {@link utcMillis} of the 24 bytes at `at`, when they are a timestamp in the canonical form
 * `YYYY-MM-DDTHH:MM:SS.sssZ` of a real calendar date (so `toISOString()` of the result gives
 * the same text back); NaN for anything else. Reads store rows without making strings.
 */
export function canonicalUtcMillis(bytes: Uint8Array, at: number): number {
  if (
    bytes[at + 4] !== 45 ||
    bytes[at + 7] !== 45 ||
    bytes[at + 10] !== 84 ||
    bytes[at + 13] !== 58 ||
    bytes[at + 16] !== 58 ||
    bytes[at + 19] !== 46 ||
    bytes[at + 23] !== 90
  ) {
    return Number.NaN;
  }
  return civilMillis(
    byteDigits(bytes, at, at + 4),
    byteDigits(bytes, at + 5, at + 7),
    byteDigits(bytes, at + 8, at + 10),
    byteDigits(bytes, at + 11, at + 13),
    byteDigits(bytes, at + 14, at + 16),
    byteDigits(bytes, at + 17, at + 19),
    byteDigits(bytes, at + 20, at + 23),
    0,
  );
}

/**
 * Milliseconds since the epoch of a UTC date and time given as numbers (-1 for a field that
 * was not digits); NaN when a field is out of range. A day is accepted up to `maxDay`, or up
 * to the month's length when `maxDay` is 0.
 */
function civilMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  maxDay: number,
): number {
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (maxDay || monthDays(year, month)) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  ) {
    return Number.NaN;
  }
  return daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/** Days in a month of the proleptic Gregorian calendar. */
function monthDays(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The decimal number in `bytes[from…to)`, -1 when a byte is not an ASCII digit. */
function byteDigits(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The decimal number in `text[from…to)`, -1 when a character is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Local days of instants in one time zone, as day numbers ({@link dayNumber}), from a table of
 * the UTC hours around a range of days (the zones we serve change offset on whole hours).
 * Billing compares numbers, not day strings, millions of times. Outside the table it asks
 * {@link localDay}.
 */
export class LocalDays {
  private readonly firstHour: number;
  private readonly table: Int32Array;

  constructor(
    private readonly timeZone: string,
    from: string,
    to: string,
  ) {
    const first = dayNumber(from) - 2;
    this.firstHour = first * 24;
    this.table = new Int32Array((dayNumber(to) + 2 - first) * 24);
    for (let h = 0; h < this.table.length; h++) {
      const utc = new Date((this.firstHour + h) * 3_600_000).toISOString();
      this.table[h] = dayNumber(localDay(utc, timeZone));
    }
  }

  /**
   * The local day number of an instant given as {@link utcMillis} of its UTC text (the text
   * itself, or null when it is `toISOString()` of `ms`).
   */
  dayOf(ts: string | null, ms: number): number {
    const h = Math.floor(ms / 3_600_000) - this.firstHour;
    return h >= 0 && h < this.table.length
      ? this.table[h]!
      : dayNumber(localDay(ts ?? new Date(ms).toISOString(), this.timeZone));
  }
}

/** Intersection of half-open day ranges; `to: null` is open-ended. Null when empty. */
export function intersect(
  a: { from: string; to: string | null },
  b: { from: string; to: string | null },
): { from: string; to: string | null } | null {
  const from = a.from > b.from ? a.from : b.from;
  const to = a.to === null ? b.to : b.to === null ? a.to : a.to < b.to ? a.to : b.to;
  return to !== null && to <= from ? null : { from, to };
}

/** True when `day` is inside the half-open range. */
export function contains(r: { from: string; to: string | null }, day: string): boolean {
  return day >= r.from && (r.to === null || day < r.to);
}

/** The period of a kind that contains a day (`semester` on 2026-09-14 → 2026-H2). */
export function periodContaining(
  kind: 'semester' | 'four-month' | 'quarter' | 'month' | 'year',
  day: string,
): BillingPeriod {
  const year = day.slice(0, 4);
  const month = Number(day.slice(5, 7));
  const id =
    kind === 'year'
      ? year
      : kind === 'month'
        ? day.slice(0, 7)
        : kind === 'semester'
          ? `${year}-H${Math.ceil(month / 6)}`
          : kind === 'four-month'
            ? `${year}-T${Math.ceil(month / 4)}`
            : `${year}-Q${Math.ceil(month / 3)}`;
  return parsePeriod(id)!;
}
