import { waitFor } from '@releve/shared/testing/index';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/store/BatchWriter.js';
import type { WriteOutcome } from '../../src/store/records.js';
import { liftEvent } from '../ingest/fixtures/devices.js';
import { liftRecord, tempStore } from './fixtures.js';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

describe('batch writer', () => {
  it('writes a full batch at once, one transaction, and calls back after the commit', () => {
    const t = tempStore();
    cleanup = t.cleanup;
    const writer = new BatchWriter(t.store, { maxRecords: 3, maxDelayMs: 60_000 });
    const seen: (WriteOutcome | undefined)[] = [];
    const rowsAtCallback: number[] = [];
    for (let i = 1; i <= 3; i++) {
      writer.add(liftRecord(liftEvent('t1', i)), (err, outcome) => {
        expect(err).toBeNull();
        seen.push(outcome);
        rowsAtCallback.push(t.store.reads.count('lifts'));
      });
    }
    expect(seen).toEqual(['stored', 'stored', 'stored']);
    expect(rowsAtCallback).toEqual([3, 3, 3]);
    expect(writer.stats).toMatchObject({ batches: 1, records: 3 });
  });

  it('writes a partial batch once the delay has passed', async () => {
    const t = tempStore();
    cleanup = t.cleanup;
    const writer = new BatchWriter(t.store, { maxRecords: 1000, maxDelayMs: 20 });
    let done = 0;
    writer.add(liftRecord(liftEvent('t1', 1)), () => {
      done += 1;
    });
    writer.add(liftRecord(liftEvent('t1', 2)), () => {
      done += 1;
    });
    expect(done).toBe(0);
    expect(writer.pending).toBe(2);
    await waitFor(() => done === 2, 10_000, 'the timed batch');
    expect(writer.stats.batches).toBe(1);
  });

  it('reports a failed transaction to every record of the batch', () => {
    const t = tempStore();
    cleanup = t.cleanup;
    const writer = new BatchWriter(t.store, { maxRecords: 2, maxDelayMs: 60_000 });
    t.store.close();
    const errors: string[] = [];
    for (let i = 1; i <= 2; i++) {
      writer.add(liftRecord(liftEvent('t1', i)), (err) =>
        errors.push((err as { code?: string })?.code ?? 'none'),
      );
    }
    expect(errors).toEqual(['store-write', 'store-write']);
    expect(writer.stats.failedBatches).toBe(1);
  });
});
