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

function field(value: string, d: CsvDialect): string {
  return /["\r\n]/.test(value) || value.includes(d.separator) ? `"${value.replaceAll('"', '""')}"` : value;
}

function decimal(text: string, d: CsvDialect): string {
  return d.decimalComma ? text.replace('.', ',') : text;
}

function euros(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function rows(header: readonly string[], body: string[][], d: CsvDialect): string {
  const lines = [header.join(d.separator), ...body.map((r) => r.map((v) => field(v, d)).join(d.separator))];
  return `${d.bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** The charges file: one line per account, product and sub-article. RFC 4180 quoting, CRLF. */
export function chargesCsv(run: BillingRun, d: CsvDialect): string {
  return rows(
    CHARGE_COLUMNS,
    run.lines.map((l: ChargeLine) => [
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
    ]),
    d,
  );
}

/** The review queue: every lift of the period that is not billed, with its reason. */
export function reviewCsv(run: BillingRun, d: CsvDialect): string {
  return rows(
    REVIEW_COLUMNS,
    run.review.map((r: ReviewItem) => [run.periodId, r.liftId, r.ts, r.tagId ?? '', r.reason, r.detail]),
    d,
  );
}

/** The whole run as JSON, lines and review queue included (deterministic key order). */
export function chargesJson(run: BillingRun): string {
  return `${JSON.stringify(run, null, 1)}\n`;
}

/**
 * The control file a billing office checks before import: counts, totals, the lift balance
 * (billed + excluded = in period) and a SHA-256 of each file it vouches for. No clock time in
 * it, so the same data gives byte-identical files.
 */
export function controlFile(run: BillingRun, files: Record<string, string>, tariffSha256: string): string {
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
      Object.entries(files).map(([name, body]) => [
        name,
        { bytes: Buffer.byteLength(body), sha256: sha256(body) },
      ]),
    ),
  };
  return `${JSON.stringify(control, null, 2)}\n`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
