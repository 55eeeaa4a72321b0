import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { CloudError, CloudErrorCode } from '../errors.js';
import { type LoadedTariff, loadTariffFile, runPeriod } from './BillingExport.js';
import {
  CSV_DIALECTS,
  chargesCsvChunks,
  chargesJson,
  controlFile,
  digestOf,
  encodedBytes,
  reviewCsvChunks,
} from './ChargeExport.js';
import type { BillingRun } from './ChargeLine.js';
import { CitizenLinks } from './CitizenLinks.js';
import { type HouseholdStatement, householdStatement } from './HouseholdStatement.js';

/** A file of an export, as the API hands it out. */
export interface ExportFile {
  name: string;
  contentType: string;
  /** The file's bytes (UTF-8). */
  body: Buffer;
}

/**
 * Billing as the HTTP API uses it: the tariff file read when it changes, period runs cached
 * until a lift arrives or the tariff changes, exports built in memory as bytes, household statements
 * and citizen links.
 */
export class BillingService {
  #tariff: { mtimeMs: number; loaded: LoadedTariff } | null = null;
  #cache = new Map<string, { key: string; run: BillingRun }>();
  readonly links: CitizenLinks;

  constructor(
    private readonly db: Database.Database,
    private readonly tariffFile: string | null,
    dataDir: string,
  ) {
    this.links = new CitizenLinks(dataDir, db);
  }

  /** The tariff in force; `tariff-file` error when none is configured or it is invalid. */
  tariff(): LoadedTariff {
    if (this.tariffFile === null) {
      throw new CloudError(
        CloudErrorCode.TariffFile,
        'no tariff plan configured (billing.tariffFile, --tariff-file)',
      );
    }
    const mtimeMs = statSync(this.tariffFile).mtimeMs;
    if (this.#tariff?.mtimeMs !== mtimeMs)
      this.#tariff = { mtimeMs, loaded: loadTariffFile(this.tariffFile) };
    return this.#tariff.loaded;
  }

  /** Bills a period; an open one only as a projection (`provisional`). */
  run(periodId: string, provisional: boolean, now = new Date()): BillingRun {
    const tariff = this.tariff();
    const stamp = this.db.prepare('SELECT count(*) AS n, max(received_at) AS last FROM lifts').get() as {
      n: number;
      last: string | null;
    };
    const key = `${tariff.sha256}|${stamp.n}|${stamp.last}|${provisional}|${now.toISOString().slice(0, 10)}`;
    const cached = this.#cache.get(periodId);
    if (cached?.key === key) return cached.run;
    const run = runPeriod(this.db, { periodId, tariff, provisional, now });
    if (this.#cache.size > 8) this.#cache.clear();
    this.#cache.set(periodId, { key, run });
    return run;
  }

  /** The files of a closed period's export. */
  exportFiles(
    periodId: string,
    format: 'csv' | 'json',
    dialect: keyof typeof CSV_DIALECTS,
    now = new Date(),
  ): ExportFile[] {
    const run = this.run(periodId, false, now);
    const d = CSV_DIALECTS[dialect];
    const charges: ExportFile =
      format === 'csv'
        ? {
            name: `charges-${run.periodId}.csv`,
            contentType: 'text/csv; charset=utf-8',
            body: encodedBytes(chargesCsvChunks(run, d)),
          }
        : {
            name: `charges-${run.periodId}.json`,
            contentType: 'application/json',
            body: Buffer.from(chargesJson(run), 'utf8'),
          };
    const review: ExportFile = {
      name: `review-${run.periodId}.csv`,
      contentType: 'text/csv; charset=utf-8',
      body: encodedBytes(reviewCsvChunks(run, d)),
    };
    const control: ExportFile = {
      name: `control-${run.periodId}.json`,
      contentType: 'application/json',
      body: Buffer.from(
        controlFile(
          run,
          { [charges.name]: digestOf(charges.body), [review.name]: digestOf(review.body) },
          this.tariff().sha256,
        ),
        'utf8',
      ),
    };
    return [charges, review, control];
  }

  statement(householdId: string, now = new Date()): HouseholdStatement {
    return householdStatement(this.db, householdId, this.tariff().plan, now);
  }
}
