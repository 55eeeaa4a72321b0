import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportPeriod, loadTariffFile } from '../../src/billing/BillingExport.js';
import { zonedDayStartUtc } from '../../src/billing/StoreBillingSource.js';
import { Store } from '../../src/store/Store.js';
import { tariffInput } from './fixtures.js';
import { seedBillingStore } from './storeFixture.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-billing-'));
  store = Store.open({ dataDir: join(dir, 'data') });
  seedBillingStore(store);
  writeFileSync(join(dir, 'tariff.json'), JSON.stringify(tariffInput));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('billing export from the store', () => {
  it('writes charges, review and a balanced control file; the same data gives the same bytes', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    const now = new Date('2026-07-10T00:00:00Z');
    const a = exportPeriod(store.db, {
      periodId: '2026-H1',
      tariff,
      outDir: join(dir, 'a'),
      format: 'csv',
      dialect: 'standard',
      now,
    });
    const b = exportPeriod(store.db, {
      periodId: '2026-H1',
      tariff,
      outDir: join(dir, 'b'),
      format: 'csv',
      dialect: 'standard',
      now,
    });
    expect(a.files.map((f) => f.split('/').pop())).toEqual([
      'charges-2026-H1.csv',
      'review-2026-H1.csv',
      'control-2026-H1.json',
    ]);
    for (let i = 0; i < a.files.length; i++)
      expect(readFileSync(a.files[i]!)).toEqual(readFileSync(b.files[i]!));

    const csv = readFileSync(a.files[0]!, 'utf8');
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    expect(header).toBe(
      'period,account_id,payer_name,product,sub_article,share,quantity,unit,unit_price_cents,amount_cents,amount_eur,lift_count,lift_ids',
    );
    expect(rows.some((r) => r.startsWith('2026-H1,H1,"Famille Dupont; ""Les Pins""",fixed,'))).toBe(true);
    const control = JSON.parse(readFileSync(a.files[2]!, 'utf8'));
    expect(control).toMatchObject({
      period: '2026-H1',
      liftsInPeriod: 6,
      liftsBilled: 4,
      liftsExcluded: 2,
      liftBalance: 'ok',
      lines: rows.length,
    });
    expect(control.amountCents).toBe(rows.reduce((s, r) => s + Number(r.split(',').at(-4)), 0));
    const review = readFileSync(a.files[1]!, 'utf8');
    expect(review).toContain(',no-tag,');
    expect(review).toContain(',250-000000777777,unknown-tag,');
  });

  it('writes the French spreadsheet dialect: BOM, ";" and decimal comma', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    const { files } = exportPeriod(store.db, {
      periodId: '2026-H1',
      tariff,
      outDir: join(dir, 'fr'),
      format: 'csv',
      dialect: 'excel-fr',
      now: new Date('2026-07-10T00:00:00Z'),
    });
    const bytes = readFileSync(files[0]!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('period;account_id;payer_name');
    expect(text).toMatch(/;weight;[^\r\n]*;20,000;kg;20;400;4,00;1;/);
  });

  it('refuses an open period and a bad tariff file, each with its code', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    expect(() =>
      exportPeriod(store.db, {
        periodId: '2026-H2',
        tariff,
        outDir: join(dir, 'x'),
        format: 'csv',
        dialect: 'standard',
        now: new Date('2026-07-10T00:00:00Z'),
      }),
    ).toThrowError(/billing-period-open/);
    writeFileSync(join(dir, 'bad.yaml'), 'plans: {household: {versions: []}}\n');
    expect(() => loadTariffFile(join(dir, 'bad.yaml'))).toThrowError(
      /\[tariff-file\][\s\S]*plans\.household\.versions/,
    );
  });

  it('finds the UTC start of a Paris day in winter and in summer', () => {
    expect(zonedDayStartUtc('2026-01-01', 'Europe/Paris')).toBe('2025-12-31T23:00:00.000Z');
    expect(zonedDayStartUtc('2026-07-01', 'Europe/Paris')).toBe('2026-06-30T22:00:00.000Z');
  });
});
