import { describe, expect, it } from 'vitest';
import { CSV_DIALECTS, chargesCsv } from '../../src/billing/ChargeExport.js';
import type { BillingRun, ChargeLine } from '../../src/billing/ChargeLine.js';
import { LiftIds } from '../../src/billing/LiftIds.js';

function runOf(names: string[]): BillingRun {
  const lines: ChargeLine[] = names.map((accountName, i) => ({
    accountId: `A${i}`,
    accountName,
    product: 'fixed',
    subArticle: 'bin B1 240 L',
    quantity: '1.5',
    unit: 'day',
    unitPriceCents: '18250/365',
    amountCents: 75,
    liftIds: LiftIds.EMPTY,
    share: null,
  }));
  return {
    periodId: '2026-H1',
    from: '2026-01-01',
    to: '2026-07-01',
    provisional: false,
    lines,
    review: [],
    totals: {
      lines: lines.length,
      accounts: lines.length,
      amountCents: 0,
      liftsInPeriod: 0,
      liftsBilled: 0,
      liftsExcluded: 0,
    },
  };
}

describe('charge file quoting (RFC 4180)', () => {
  const names = ['Martin, Paul', 'Dupont; Marie', 'Le "Relais"', 'Ligne\r\ncoupée', 'Simple'];

  it('quotes a field holding the separator, a quote or a line break, in the standard dialect', () => {
    const rows = chargesCsv(runOf(names), CSV_DIALECTS.standard).split('\r\n');
    expect(rows[1]).toContain(',"Martin, Paul",');
    expect(rows[2]).toContain(',Dupont; Marie,');
    expect(rows[3]).toContain(',"Le ""Relais""",');
    expect(rows[4]).toContain(',"Ligne');
    expect(rows[6]).toContain(',Simple,');
    expect(rows[1]).toContain(',1.5,day,18250/365,75,0.75,0,');
  });

  it('quotes on `;` and leaves commas alone in the French Excel dialect, with decimal commas', () => {
    const rows = chargesCsv(runOf(names), CSV_DIALECTS['excel-fr']).split('\r\n');
    expect(rows[1]).toContain(';Martin, Paul;');
    expect(rows[2]).toContain(';"Dupont; Marie";');
    expect(rows[3]).toContain(';"Le ""Relais""";');
    expect(rows[1]).toContain(';1,5;day;18250/365;75;0,75;0;');
  });
});
