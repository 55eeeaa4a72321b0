import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { CloudError, CloudErrorCode } from '../errors.js';
import { checkBillable, priceClassified } from './BillingEngine.js';
import { localDay, parsePeriod } from './BillingPeriod.js';
import {
  CSV_DIALECTS,
  chargesCsvChunks,
  chargesJson,
  controlFile,
  encodePieces,
  type FileDigest,
  type Piece,
  reviewCsvChunks,
  sha256,
} from './ChargeExport.js';
import type { BillingRun } from './ChargeLine.js';
import { ClassifyWorker } from './ClassifyWorker.js';
import { LiftClassifier } from './LiftClassifier.js';
import {
  classifyStoredLifts,
  loadBillingRegistry,
  periodLiftRange,
  storedLiftRowids,
} from './StoreBillingSource.js';
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
  /**
   * From this many lifts in the period on, a worker thread reads and classifies a share of
   * them while this thread does the rest (default: never). On the 2-core development VM the
   * two threads slow each other down so much that a million-lift run is no faster, with
   * 60 MB more memory (docs/billing.md); {@link PARALLEL_MIN_LIFTS} suits a machine whose
   * cores do not share one memory path.
   */
  parallelMinLifts?: number;
}

/** Where a second thread is worth starting, when runs use one (`--threads 2`). */
export const PARALLEL_MIN_LIFTS = 250_000;

/** Share of the lifts the calling thread classifies when a worker takes the rest (the best split measured). */
const MAIN_SHARE = 0.6;
/** How long to wait for the worker before classifying its share here. */
const WORKER_TIMEOUT_MS = 5 * 60_000;

/** Bills a period from the store. */
export function runPeriod(db: Database.Database, o: RunPeriodOptions): BillingRun {
  const period = parsePeriod(o.periodId);
  if (!period)
    throw new CloudError(
      CloudErrorCode.Usage,
      `not a period: ${o.periodId} (2026, 2026-H1, 2026-T2, 2026-Q3, 2026-07)`,
    );
  const tz = o.tariff.plan.timeZone;
  const minLifts = o.parallelMinLifts ?? Number.POSITIVE_INFINITY;
  // When the store holds enough lifts for the period to need a worker, it is started before
  // the period's lifts are counted, so its start-up overlaps the count and the registry here.
  let early =
    Number.isFinite(minLifts) && !db.memory && storedLiftRowids(db) >= minLifts
      ? new ClassifyWorker({ dbPath: db.name, period, timeZone: tz })
      : null;
  const range = periodLiftRange(db, period, tz);
  let mine: { from: number; to: number } | null = null;
  let worker: { run: ClassifyWorker; rowids: { from: number; to: number } } | null = null;
  if (early && range.count >= minLifts) {
    const split = range.firstRowid + Math.floor((range.lastRowid + 1 - range.firstRowid) * MAIN_SHARE);
    const rowids = { from: split, to: range.lastRowid + 1 };
    mine = { from: range.firstRowid, to: split };
    early.assign({ range, rowids });
    worker = { run: early, rowids };
    early = null;
  }
  early?.cancel();
  const registry = loadBillingRegistry(db, o.tariff.plan.splitCollectiveByDwellings);
  const setting = {
    period,
    tariff: o.tariff.plan,
    registry,
    today: localDay((o.now ?? new Date()).toISOString(), tz),
    provisional: o.provisional ?? false,
  };
  try {
    checkBillable(setting);
  } catch (err) {
    worker?.run.cancel();
    throw err;
  }
  const classifier = new LiftClassifier(period, tz, registry);
  classifyStoredLifts(db, classifier, range, mine, o.progress);
  if (worker) {
    try {
      classifier.merge(worker.run.wait(WORKER_TIMEOUT_MS));
    } catch (err) {
      // The worker failed: its share is classified here, so nothing is left out.
      process.emitWarning(
        `${(err as Error).message}; its share of the lifts is classified on the calling thread`,
        'BillingWorkerWarning',
      );
      classifyStoredLifts(db, classifier, range, worker.rowids);
    }
  }
  o.progress?.('compute', 0, 1);
  const run = priceClassified(setting, classifier);
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
 * The same store and tariff give byte-identical files. Each file is written as it is produced
 * (never held whole), flushed to disk, and put in place by a rename, so a file that exists is
 * complete. Returns the paths and the run.
 */
export function exportPeriod(db: Database.Database, o: ExportOptions): { files: string[]; run: BillingRun } {
  const run = runPeriod(db, { ...o, provisional: false });
  const d = CSV_DIALECTS[o.dialect];
  mkdirSync(o.outDir, { recursive: true });
  const charges = `charges-${run.periodId}.${o.format}`;
  const review = `review-${run.periodId}.csv`;
  const control = `control-${run.periodId}.json`;
  const files: string[] = [];
  const digests: Record<string, FileDigest> = {};
  const write = (name: string, chunks: Iterable<Piece>) => {
    const path = join(o.outDir, name);
    digests[name] = writeChunks(path, chunks);
    files.push(path);
    o.progress?.('write', files.length, 3);
  };
  write(charges, o.format === 'csv' ? chargesCsvChunks(run, d) : [chargesJson(run)]);
  write(review, reviewCsvChunks(run, d));
  write(control, [controlFile(run, digests, o.tariff.sha256)]);
  return { files, run };
}

/** Writes text pieces to `path` through a temporary file; returns the size and SHA-256 written. */
function writeChunks(path: string, chunks: Iterable<Piece>): FileDigest {
  const tmp = `${path}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  const fd = openSync(tmp, 'w');
  try {
    encodePieces(chunks, (buf) => {
      hash.update(buf);
      bytes += buf.length;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      return false;
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { bytes, sha256: hash.digest('hex') };
}
