import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiftIdColumn, liftIdTexts } from '../../src/billing/LiftIdColumn.js';

describe('LiftIdColumn', () => {
  it('keeps ids as bytes and gives them back as strings, in any order, across growth', () => {
    const column = new LiftIdColumn(2);
    const block = Buffer.from('xx00000000-0000-4000-8000-000000000001yy');
    column.pushAscii(block, 2, 36);
    column.pushText('L-2');
    for (let i = 3; i <= 100; i++) column.pushText(`L-${i}`);
    expect(column.length).toBe(100);
    expect(column.ascii).toBe(true);
    expect(column.text(0)).toBe('00000000-0000-4000-8000-000000000001');
    expect(column.texts(Int32Array.of(2, 1, 99))).toEqual(['L-3', 'L-2', 'L-100']);
    expect(Math.sign(column.compare(1, 2))).toBe(-1);
    expect(column.compare(5, 5)).toBe(0);
  });

  it('orders ids as strings compare, ASCII or not, and crosses threads as parts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: 1, maxLength: 30 }),
        (ids) => {
          const column = new LiftIdColumn(1);
          for (const id of ids) column.pushText(id);
          const order = Int32Array.from(ids.keys());
          expect(column.texts(order)).toEqual(ids);
          for (let i = 0; i < ids.length; i++) {
            for (let j = 0; j < ids.length; j++) {
              const expected = ids[i]! < ids[j]! ? -1 : ids[i]! > ids[j]! ? 1 : 0;
              expect(Math.sign(column.compare(i, j))).toBe(expected);
            }
          }
          const merged = new LiftIdColumn(1);
          merged.pushText('first');
          merged.append(column.parts());
          expect(liftIdTexts(merged.parts())).toEqual(['first', ...ids]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
