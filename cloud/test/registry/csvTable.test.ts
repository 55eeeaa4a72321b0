import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsvTable } from '../../src/registry/CsvTable.js';

/** Writes a CSV cell the way spreadsheet programs do: quoted when it holds a special character. */
function cell(v: string, delimiter: string): string {
  return /["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replaceAll('"', '""')}"` : v;
}

describe('CSV table', () => {
  it('reads back any cells, whatever the separator, BOM and line ending (property)', () => {
    const value = fc
      .string({ unit: fc.constantFrom('a', 'é', ' ', ';', ',', '"', '\n', '\r\n', 'Z', '0'), maxLength: 12 })
      .map((s) => s.trim());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(';', ','),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n'),
        (rows, delimiter, bom, eol) => {
          // A row whose cells are all empty is an empty line: CSV cannot tell it from nothing.
          const kept = rows.filter(([a, b]) => a !== '' || b !== '');
          const text =
            (bom ? '\uFEFF' : '') +
            [
              `a${delimiter}b`,
              ...kept.map(([a, b]) => `${cell(a, delimiter)}${delimiter}${cell(b, delimiter)}`),
            ].join(eol);
          const t = parseCsvTable('x.csv', text, { required: ['a', 'b'], optional: [] });
          expect(t.errors).toEqual([]);
          expect(t.rows.map((r) => [r.values.a, r.values.b])).toEqual(kept);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('picks the separator of the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(detectDelimiter('"x;y;z",b\n')).toBe(',');
  });

  it('names the line of a record with the wrong number of cells and goes on', () => {
    const t = parseCsvTable('f.csv', 'a;b\n1;2\n3\n4;5;6\n7;8\n', { required: ['a', 'b'], optional: [] });
    expect(t.rows.map((r) => [r.line, r.values.a])).toEqual([
      [2, '1'],
      [5, '7'],
    ]);
    expect(t.errors).toHaveLength(2);
    expect(t.errors[0]).toMatch(/^f\.csv:3: /);
    expect(t.errors[1]).toMatch(/^f\.csv:4: /);
  });
});
