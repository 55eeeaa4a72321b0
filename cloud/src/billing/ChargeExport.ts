import { createHash } from 'node:crypto';
import type { BillingRun, ChargeLine, ReviewItem } from './ChargeLine.js';
import type { LiftIds } from './LiftIds.js';

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
 * A piece of a file: text, or a line's lift ids, whose bytes are copied as they are (ASCII
 * that needs no quoting, {@link LiftIds.copyJoined}).
 */
export type Piece = string | LiftIds;

/** A piece as text. */
function pieceText(piece: Piece): string {
  return typeof piece === 'string' ? piece : piece.join(' ');
}

/**
 * A CSV file as pieces: a million-lift export is written without being held whole. Lines are
 * cut only after their next-to-last field: a long last field (the lift ids, ASCII) comes as a
 * piece of its own — their bytes when the line still has them as bytes, else a one-byte
 * string that encodes at memory speed, instead of joining text with `…` or accents, which V8
 * would widen to two bytes per character and encode several times slower.
 */
function* rows<T>(
  header: readonly string[],
  items: readonly T[],
  row: (item: T) => Piece[],
  d: CsvDialect,
): Generator<Piece> {
  // Text waits in `parts` and goes out joined: one flat string per piece, where `+=` would
  // build a rope that V8 flattens again before encoding it.
  const parts: string[] = [d.bom ? '\uFEFF' : '', header.join(d.separator), '\r\n'];
  let chars = 0;
  for (const item of items) {
    const values = row(item);
    const lastAt = values.length - 1;
    for (let i = 0; i < lastAt; i++) {
      const text = field(pieceText(values[i]!), d);
      parts.push(text, d.separator);
      chars += text.length + 1;
    }
    const lastValue = values[lastAt]!;
    const last = typeof lastValue === 'string' ? field(lastValue, d) : null;
    if (last === null || last.length >= LONG_FIELD) {
      yield parts.join('');
      yield last ?? lastValue;
      parts.length = 0;
      parts.push('\r\n');
      chars = 2;
      continue;
    }
    parts.push(last, '\r\n');
    chars += last.length + 2;
    if (chars >= CHUNK_CHARS) {
      yield parts.join('');
      parts.length = 0;
      chars = 0;
    }
  }
  if (parts.length) yield parts.join('');
}

/** Bytes per buffer that {@link encodePieces} fills. */
const ENCODED_BYTES = 1 << 20;

/**
 * Encodes pieces (text as UTF-8, lift ids as their bytes) into buffers of about 1 MiB,
 * handing each full one to `flush` (which may keep it: a new one is then used). Pieces larger
 * than a buffer go out alone.
 */
export function encodePieces(pieces: Iterable<Piece>, flush: (bytes: Buffer) => boolean): void {
  let out = Buffer.allocUnsafeSlow(ENCODED_BYTES);
  let n = 0;
  const send = () => {
    if (n > 0 && flush(out.subarray(0, n))) out = Buffer.allocUnsafeSlow(ENCODED_BYTES);
    n = 0;
  };
  for (const piece of pieces) {
    if (typeof piece !== 'string') {
      const bytes = piece.joinedBytes();
      if (n + bytes > out.length) {
        send();
        if (bytes > out.length) {
          const alone = Buffer.allocUnsafe(bytes);
          piece.copyJoined(alone, 0);
          flush(alone);
          continue;
        }
      }
      n += piece.copyJoined(out, n);
      continue;
    }
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

/** Pieces encoded into one buffer (lift ids copied as bytes, never made strings). */
export function encodedBytes(pieces: Iterable<Piece>): Buffer {
  const parts: Buffer[] = [];
  encodePieces(pieces, (bytes) => {
    parts.push(bytes);
    return true;
  });
  return Buffer.concat(parts);
}

/** The charges file: one line per account, product and sub-article. RFC 4180 quoting, CRLF. */
export function chargesCsv(run: BillingRun, d: CsvDialect): string {
  return Array.from(chargesCsvChunks(run, d), pieceText).join('');
}

/** {@link chargesCsv} in pieces ({@link rows}). */
export function chargesCsvChunks(run: BillingRun, d: CsvDialect): Generator<Piece> {
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
      liftIdsField(l.liftIds),
    ],
    d,
  );
}

/** A line's lift ids field: copied as bytes when they are kept so, else the ids joined. */
function liftIdsField(ids: LiftIds): Piece {
  return ids.length > 0 && ids.joinedBytes() >= 0 ? ids : ids.join(' ');
}

/** The review queue: every lift of the period that is not billed, with its reason. */
export function reviewCsv(run: BillingRun, d: CsvDialect): string {
  return Array.from(reviewCsvChunks(run, d), pieceText).join('');
}

/** {@link reviewCsv} in pieces ({@link rows}). */
export function reviewCsvChunks(run: BillingRun, d: CsvDialect): Generator<Piece> {
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
export function digestOf(body: string | Buffer): FileDigest {
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

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
