import { createHash } from 'node:crypto';
import type { BillingRun, ChargeLine, ReviewItem } from './ChargeLine.js';

/** CSV dialect: `,` for most finance packages; `;` + BOM + decimal comma for French Excel. */
export interface CsvDialect {
  separator: ',' | ';';
  bom: boolean;
  decimalComma: boolean;
}

export const CSV_DIALECTS = {
  standard: { separator: ',', bom: false, decimalComma: false },
  'excel-fr': { separator: ';', bom: true, decimalComma: true },
} as const satisfies Record<string, CsvDialect>;

/** Columns of the charges file, in order. Stable: a change is a new documented version (docs/billing.md). */
export const CHARGE_COLUMNS = [
  'period',
  'account_id',
  'payer_name',
  'product',
  'sub_article',
  'share',
  'quantity',
  'unit',
  'unit_price_cents',
  'amount_cents',
  'amount_eur',
  'lift_count',
  'lift_ids',
] as const;

export const REVIEW_COLUMNS = ['period', 'lift_id', 'ts', 'tag_id', 'reason', 'detail'] as const;

/** Characters that make a field quoted, per separator: one scan of each value. */
const NEEDS_QUOTES = { ',': /[",\r\n]/, ';': /[";\r\n]/ } as const;

function field(value: string, d: CsvDialect): string {
  return NEEDS_QUOTES[d.separator].test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function decimal(text: string, d: CsvDialect): string {
  return d.decimalComma ? text.replace('.', ',') : text;
}

function euros(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Size a piece of CSV text grows to before it is handed out. */
const CHUNK_CHARS = 1 << 16;
/** A last field at least this long (a line's lift ids) is handed out as a piece of its own. */
const LONG_FIELD = 256;

/**
 * A CSV file as pieces of text: a million-lift export is written without being held whole.
 * Lines are cut only after their next-to-last field: a long last field (the lift ids, ASCII)
 * comes as a piece of its own, so it stays a one-byte string that encodes at memory speed,
 * instead of joining text with `…` or accents, which V8 would widen to two bytes per
 * character and encode several times slower.
 */
function* rows<T>(
  header: readonly string[],
  items: readonly T[],
  row: (item: T) => string[],
  d: CsvDialect,
): Generator<string> {
  let chunk = `${d.bom ? '\uFEFF' : ''}${header.join(d.separator)}\r\n`;
  for (const item of items) {
    const values = row(item);
    const lastAt = values.length - 1;
    let line = field(values[0]!, d);
    for (let i = 1; i < lastAt; i++) line += d.separator + field(values[i]!, d);
    const last = field(values[lastAt]!, d);
    if (last.length >= LONG_FIELD) {
      yield `${chunk}${line}${d.separator}`;
      yield last;
      chunk = '\r\n';
    } else chunk += `${line}${d.separator}${last}\r\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Bytes per buffer that {@link encodePieces} fills. */
const ENCODED_BYTES = 1 << 20;

/**
 * Encodes text pieces as UTF-8 into buffers of about 1 MiB, handing each full one to `flush`
 * (which may keep it: a new one is then used). Pieces larger than a buffer go out alone.
 */
export function encodePieces(pieces: Iterable<string>, flush: (bytes: Buffer) => boolean): void {
  let out = Buffer.allocUnsafeSlow(ENCODED_BYTES);
  let n = 0;
  const send = () => {
    if (n > 0 && flush(out.subarray(0, n))) out = Buffer.allocUnsafeSlow(ENCODED_BYTES);
    n = 0;
  };
  for (const piece of pieces) {
    // At most 3 bytes per UTF-16 unit.
    if (n + piece.length * 3 > out.length) {
      send();
      if (piece.length * 3 > out.length) {
        flush(Buffer.from(piece, 'utf8'));
        continue;
      }
    }
    n += out.write(piece, n, 'utf8');
  }
  send();
}

/** The charges file: one line per account, product and sub-article. RFC 4180 quoting, CRLF. */
export function chargesCsv(run: BillingRun, d: CsvDialect): string {
  return [...chargesCsvChunks(run, d)].join('');
}

/** {@link chargesCsv} in pieces ({@link rows}). */
export function chargesCsvChunks(run: BillingRun, d: CsvDialect): Generator<string> {
  return rows(
    CHARGE_COLUMNS,
    run.lines,
    (l: ChargeLine) => [
      run.periodId,
      l.accountId,
      l.accountName,
      l.product,
      l.subArticle,
      l.share ?? '',
      decimal(l.quantity, d),
      l.unit,
      decimal(l.unitPriceCents, d),
      String(l.amountCents),
      decimal(euros(l.amountCents), d),
      String(l.liftIds.length),
      l.liftIds.join(' '),
    ],
    d,
  );
}

/** The review queue: every lift of the period that is not billed, with its reason. */
export function reviewCsv(run: BillingRun, d: CsvDialect): string {
  return [...reviewCsvChunks(run, d)].join('');
}

/** {@link reviewCsv} in pieces ({@link rows}). */
export function reviewCsvChunks(run: BillingRun, d: CsvDialect): Generator<string> {
  return rows(
    REVIEW_COLUMNS,
    run.review,
    (r: ReviewItem) => [run.periodId, r.liftId, r.ts, r.tagId ?? '', r.reason, r.detail],
    d,
  );
}

/** The whole run as JSON, lines and review queue included (deterministic key order). */
export function chargesJson(run: BillingRun): string {
  return `${JSON.stringify(run, null, 1)}\n`;
}

/** Size and SHA-256 of a file, as the control file vouches for it. */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** The digest of a file held in memory. */
export function digestOf(body: string): FileDigest {
  return { bytes: Buffer.byteLength(body), sha256: sha256(body) };
}

/**
 * The control file a billing office checks before import: counts, totals, the lift balance
 * (billed + excluded = in period) and the size and SHA-256 of each file it vouches for. No
 * clock time in it, so the same data gives byte-identical files.
 */
export function controlFile(
  run: BillingRun,
  files: Record<string, FileDigest>,
  tariffSha256: string,
): string {
  const balanced = run.totals.liftsBilled + run.totals.liftsExcluded === run.totals.liftsInPeriod;
  const byProduct: Record<string, number> = { fixed: 0, lifts: 0, weight: 0 };
  for (const l of run.lines) byProduct[l.product] = (byProduct[l.product] ?? 0) + l.amountCents;
  const control = {
    period: run.periodId,
    from: run.from,
    to: run.to,
    provisional: run.provisional,
    lines: run.totals.lines,
    accounts: run.totals.accounts,
    amountCents: run.totals.amountCents,
    amountCentsByProduct: byProduct,
    liftsInPeriod: run.totals.liftsInPeriod,
    liftsBilled: run.totals.liftsBilled,
    liftsExcluded: run.totals.liftsExcluded,
    liftBalance: balanced ? 'ok' : 'MISMATCH',
    tariffSha256,
    files: Object.fromEntries(
      Object.entries(files).map(([name, f]) => [name, { bytes: f.bytes, sha256: f.sha256 }]),
    ),
  };
  return `${JSON.stringify(control, null, 2)}\n`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
