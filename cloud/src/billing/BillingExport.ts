import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { CloudError, CloudErrorCode } from '../errors.js';
import { type BillableLift, computeCharges } from './BillingEngine.js';
import { localDay, parsePeriod } from './BillingPeriod.js';
import type { BillingRun } from './ChargeLine.js';
import { CSV_DIALECTS, chargesCsv, chargesJson, controlFile, reviewCsv, sha256 } from './ChargeExport.js';
import { loadBillingRegistry, loadPeriodLifts } from './StoreBillingSource.js';
import { type TariffPlanFile, validateTariffPlan } from './TariffPlan.js';

/** A tariff file read and validated, with its digest for the control file. */
export interface LoadedTariff {
  plan: TariffPlanFile;
  sha256: string;
}

/** Reads a tariff plan (YAML or JSON); every problem is reported at once as a `tariff-file` error. */
export function loadTariffFile(path: string): LoadedTariff {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CloudError(CloudErrorCode.TariffFile, `cannot read ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new CloudError(CloudErrorCode.TariffFile, `${path}: not YAML/JSON: ${(e as Error).message}`);
  }
  const r = validateTariffPlan(data);
  if (!r.ok) {
    throw new CloudError(
      CloudErrorCode.TariffFile,
      `${path}:\n${r.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
    );
  }
  return { plan: r.plan, sha256: sha256(text) };
}

export type BillingProgress = (phase: 'load' | 'compute' | 'write', done: number, total: number) => void;

export interface RunPeriodOptions {
  periodId: string;
  tariff: LoadedTariff;
  /** For an open period: a projection, never an export. */
  provisional?: boolean;
  now?: Date;
  progress?: BillingProgress;
}

/** Bills a period from the store. */
export function runPeriod(db: Database.Database, o: RunPeriodOptions): BillingRun {
  const period = parsePeriod(o.periodId);
  if (!period)
    throw new CloudError(
      CloudErrorCode.Usage,
      `not a period: ${o.periodId} (2026, 2026-H1, 2026-T2, 2026-Q3, 2026-07)`,
    );
  const tz = o.tariff.plan.timeZone;
  const registry = loadBillingRegistry(db, o.tariff.plan.splitCollectiveByDwellings);
  const total = (db.prepare('SELECT count(*) FROM lifts').pluck().get() as number) || 1;
  const lifts: BillableLift[] = [];
  for (const l of loadPeriodLifts(db, period, tz)) {
    lifts.push(l);
    if (o.progress && lifts.length % 50_000 === 0) o.progress('load', lifts.length, total);
  }
  o.progress?.('compute', 0, 1);
  const run = computeCharges({
    period,
    tariff: o.tariff.plan,
    registry,
    lifts,
    today: localDay((o.now ?? new Date()).toISOString(), tz),
    provisional: o.provisional ?? false,
  });
  o.progress?.('compute', 1, 1);
  return run;
}

export interface ExportOptions extends RunPeriodOptions {
  outDir: string;
  format: 'csv' | 'json';
  dialect: keyof typeof CSV_DIALECTS;
}

/**
 * Bills a period and writes the billing office's files into `outDir`:
 * `charges-<period>.csv|json`, `review-<period>.csv` and `control-<period>.json`.
 * The same store and tariff give byte-identical files. Returns the paths and the run.
 */
export function exportPeriod(db: Database.Database, o: ExportOptions): { files: string[]; run: BillingRun } {
  const run = runPeriod(db, { ...o, provisional: false });
  const d = CSV_DIALECTS[o.dialect];
  const bodies: Record<string, string> = {};
  bodies[`charges-${run.periodId}.${o.format}`] = o.format === 'csv' ? chargesCsv(run, d) : chargesJson(run);
  bodies[`review-${run.periodId}.csv`] = reviewCsv(run, d);
  const control = controlFile(run, bodies, o.tariff.sha256);
  mkdirSync(o.outDir, { recursive: true });
  const files: string[] = [];
  const all = { ...bodies, [`control-${run.periodId}.json`]: control };
  let i = 0;
  for (const [name, body] of Object.entries(all)) {
    const path = join(o.outDir, name);
    writeFileSync(path, body);
    files.push(path);
    o.progress?.('write', ++i, Object.keys(all).length);
  }
  return { files, run };
}
