import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { z } from 'zod';
import { CloudError, CloudErrorCode } from '../errors.js';
import type { Store } from '../store/Store.js';
import { parseCsvTable } from './CsvTable.js';
import {
  AccountRow,
  BeaconRow,
  BinRow,
  BuildingRow,
  columnsOf,
  GatewayRow,
  HouseholdRow,
  TruckRow,
} from './registryRows.js';

/** The registry files, in the order they are written (references point backwards). */
export const REGISTRY_FILES = {
  accounts: AccountRow,
  buildings: BuildingRow,
  households: HouseholdRow,
  bins: BinRow,
  trucks: TruckRow,
  gateways: GatewayRow,
  beacons: BeaconRow,
} as const;
export type RegistryFile = keyof typeof REGISTRY_FILES;
type Row<F extends RegistryFile> = z.output<(typeof REGISTRY_FILES)[F]> & { line: number };

/** Rows written per file. */
export type ImportReport = Partial<Record<RegistryFile, number>>;

/**
 * Validates registry CSV files row by row and writes them in one transaction: every
 * problem of every file is reported (`file:line: message`) and nothing is written unless all
 * rows are good. Rows replace the registry rows with the same key (re-importing a file is a
 * no-op); rows not in the files are kept.
 */
export class RegistryImport {
  readonly #errors: string[] = [];
  readonly #rows: { [F in RegistryFile]?: Row<F>[] } = {};
  readonly #fileNames: Partial<Record<RegistryFile, string>> = {};

  constructor(private readonly store: Store) {}

  /** Reads, parses and validates one file (nothing is written yet). */
  async addFile(kind: RegistryFile, path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      this.#errors.push(`${basename(path)}:0: cannot read: ${(e as Error).message}`);
      return;
    }
    this.addText(kind, basename(path), text);
  }

  /** Parses and validates CSV text named `fileName` in messages. */
  addText(kind: RegistryFile, fileName: string, text: string): void {
    const schema = REGISTRY_FILES[kind];
    const table = parseCsvTable(fileName, text, columnsOf(schema));
    this.#errors.push(...table.errors);
    this.#fileNames[kind] = fileName;
    const rows: Row<RegistryFile>[] = [];
    const keys = new Map<string, number>();
    for (const r of table.rows) {
      // Keys from the raw cells, so a repeated id is reported even on a row that fails.
      const key = keyOf(kind, r.values);
      const first = keys.get(key);
      if (first !== undefined)
        this.#errors.push(`${fileName}:${r.line}: ${key} already given on line ${first}`);
      else keys.set(key, r.line);
      const parsed = schema.safeParse(r.values);
      if (!parsed.success) {
        for (const i of parsed.error.issues) {
          this.#errors.push(`${fileName}:${r.line}: ${i.path.join('.') || 'row'}: ${i.message}`);
        }
        continue;
      }
      rows.push({ ...parsed.data, line: r.line } as Row<RegistryFile>);
    }
    (this.#rows as Record<string, Row<RegistryFile>[]>)[kind] = rows;
  }

  /** Writes everything in one transaction, or throws `registry-import` listing every problem. */
  commit(): ImportReport {
    if (this.#errors.length === 0) this.#checkReferences();
    if (this.#errors.length > 0) throw this.#failure();
    const report: ImportReport = {};
    const db = this.store.db;
    try {
      db.transaction(() => {
        for (const kind of Object.keys(REGISTRY_FILES) as RegistryFile[]) {
          const rows = this.#rows[kind];
          if (!rows) continue;
          for (const row of rows) writeRow(db, kind, row);
          report[kind] = rows.length;
        }
        this.#checkBinPeriods();
        if (this.#errors.length > 0) throw this.#failure();
      })();
    } catch (e) {
      if (e instanceof CloudError) throw e;
      throw new CloudError(CloudErrorCode.RegistryImport, `nothing imported: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return report;
  }

  #failure(): CloudError {
    return new CloudError(
      CloudErrorCode.RegistryImport,
      `nothing imported, ${this.#errors.length} problem(s):\n${this.#errors.join('\n')}`,
    );
  }

  /** Every account, building and household a row points to exists in the files or the registry. */
  #checkReferences(): void {
    const db = this.store.db;
    const existing = (sql: string) => new Set(db.prepare(sql).pluck().all() as string[]);
    const accounts = existing('SELECT account_id FROM accounts');
    const buildings = existing('SELECT building_id FROM buildings');
    for (const a of this.#rows.accounts ?? []) accounts.add(a.account_id);
    for (const h of this.#rows.households ?? []) accounts.add(h.household_id);
    for (const b of this.#rows.buildings ?? []) buildings.add(b.building_id);
    const file = (k: RegistryFile) => this.#fileNames[k] ?? `${k}.csv`;
    for (const b of this.#rows.buildings ?? []) {
      if (!accounts.has(b.manager_account_id))
        this.#errors.push(
          `${file('buildings')}:${b.line}: manager_account_id ${b.manager_account_id} is not an account`,
        );
    }
    for (const h of this.#rows.households ?? []) {
      if (h.building_id && !buildings.has(h.building_id))
        this.#errors.push(`${file('households')}:${h.line}: building_id ${h.building_id} is not a building`);
    }
    for (const b of this.#rows.bins ?? []) {
      if (b.account_id && !accounts.has(b.account_id))
        this.#errors.push(`${file('bins')}:${b.line}: account_id ${b.account_id} is not an account`);
      if (b.building_id && !buildings.has(b.building_id))
        this.#errors.push(`${file('bins')}:${b.line}: building_id ${b.building_id} is not a building`);
    }
  }

  /** A tag belongs to one bin at a time: no two periods of one tag overlap (checked after writing). */
  #checkBinPeriods(): void {
    const overlaps = this.store.db
      .prepare(
        `SELECT a.tag_id, a.bin_id AS a_bin, a.valid_from AS a_from, b.bin_id AS b_bin, b.valid_from AS b_from
         FROM bins a JOIN bins b ON a.tag_id = b.tag_id AND a.rowid < b.rowid
           AND a.valid_from < coalesce(b.valid_to, '9999') AND b.valid_from < coalesce(a.valid_to, '9999')`,
      )
      .all() as { tag_id: string; a_bin: string; a_from: string; b_bin: string; b_from: string }[];
    const lineOf = new Map((this.#rows.bins ?? []).map((b) => [`${b.bin_id}|${b.valid_from}`, b.line]));
    for (const o of overlaps) {
      const line = lineOf.get(`${o.b_bin}|${o.b_from}`) ?? lineOf.get(`${o.a_bin}|${o.a_from}`) ?? 0;
      this.#errors.push(
        `${this.#fileNames.bins ?? 'bins.csv'}:${line}: tag ${o.tag_id} of bin ${o.b_bin} from ${o.b_from} overlaps bin ${o.a_bin} from ${o.a_from}`,
      );
    }
  }
}

function keyOf(kind: RegistryFile, row: Record<string, unknown>): string {
  switch (kind) {
    case 'accounts':
      return `account ${row.account_id}`;
    case 'buildings':
      return `building ${row.building_id}`;
    case 'households':
      return `household ${row.household_id}`;
    case 'bins':
      return `bin ${row.bin_id} from ${row.valid_from}`;
    case 'trucks':
      return `truck ${row.truck_id}`;
    case 'gateways':
      return `gateway ${row.gateway_id}`;
    case 'beacons':
      return `beacon ${row.beacon_id}`;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

const n = <T>(v: T | undefined): T | null => v ?? null;

/** Upserts one validated row. */
function writeRow(db: Store['db'], kind: RegistryFile, row: object): void {
  switch (kind) {
    case 'accounts': {
      const a = row as Row<'accounts'>;
      db.prepare(
        `INSERT INTO accounts (account_id, kind, name, address, email) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
           address = excluded.address, email = excluded.email`,
      ).run(a.account_id, a.kind, a.name, n(a.address), n(a.email));
      return;
    }
    case 'buildings': {
      const b = row as Row<'buildings'>;
      db.prepare(
        `INSERT INTO buildings (building_id, name, address, dwellings, manager_account_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (building_id) DO UPDATE SET name = excluded.name, address = excluded.address,
           dwellings = excluded.dwellings, manager_account_id = excluded.manager_account_id`,
      ).run(b.building_id, b.name, n(b.address), b.dwellings, b.manager_account_id);
      return;
    }
    case 'households': {
      const h = row as Row<'households'>;
      writeRow(db, 'accounts', {
        account_id: h.household_id,
        kind: 'household',
        name: h.name,
        address: h.address,
        email: h.email,
        line: h.line,
      });
      db.prepare(
        `INSERT INTO households (household_id, building_id, persons, moved_in, moved_out) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (household_id) DO UPDATE SET building_id = excluded.building_id, persons = excluded.persons,
           moved_in = excluded.moved_in, moved_out = excluded.moved_out`,
      ).run(h.household_id, n(h.building_id), h.persons, h.moved_in, n(h.moved_out));
      return;
    }
    case 'bins': {
      const b = row as Row<'bins'>;
      db.prepare(
        `INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, building_id, valid_from, valid_to)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bin_id, valid_from) DO UPDATE SET tag_scheme = excluded.tag_scheme, tag_id = excluded.tag_id,
           volume_l = excluded.volume_l, account_id = excluded.account_id, building_id = excluded.building_id,
           valid_to = excluded.valid_to`,
      ).run(
        b.bin_id,
        b.tag.scheme,
        b.tag.id,
        b.volume_l,
        n(b.account_id),
        n(b.building_id),
        b.valid_from,
        n(b.valid_to),
      );
      return;
    }
    case 'trucks': {
      const t = row as Row<'trucks'>;
      db.prepare(
        `INSERT INTO trucks (truck_id, name, plate, max_payload_g, body_volume_l, scale_interval_g) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (truck_id) DO UPDATE SET name = excluded.name, plate = excluded.plate,
           max_payload_g = excluded.max_payload_g, body_volume_l = excluded.body_volume_l,
           scale_interval_g = excluded.scale_interval_g`,
      ).run(t.truck_id, t.name, n(t.plate), t.max_payload_g, n(t.body_volume_l), t.scale_interval_g);
      return;
    }
    case 'gateways': {
      const g = row as Row<'gateways'>;
      db.prepare(
        `INSERT INTO gateways (gateway_id, name, lat, lon, site) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (gateway_id) DO UPDATE SET name = excluded.name, lat = excluded.lat, lon = excluded.lon,
           site = excluded.site`,
      ).run(g.gateway_id, g.name, g.lat, g.lon, n(g.site));
      return;
    }
    case 'beacons': {
      const b = row as Row<'beacons'>;
      db.prepare(
        `INSERT INTO beacons (beacon_id, address, name, lat, lon, expected_interval_ms, shop) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (beacon_id) DO UPDATE SET address = excluded.address, name = excluded.name, lat = excluded.lat,
           lon = excluded.lon, expected_interval_ms = excluded.expected_interval_ms, shop = excluded.shop`,
      ).run(b.beacon_id, n(b.address), b.name, b.lat, b.lon, n(b.expected_interval_ms), n(b.shop));
      return;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown registry file ${String(never)}`);
    }
  }
}
