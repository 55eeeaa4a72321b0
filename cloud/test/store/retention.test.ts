import { encodeMessage, topicFor } from '@releve/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { RetentionJob } from '../../src/store/RetentionJob.js';
import type { WriteRecord } from '../../src/store/records.js';
import { liftEvent, truckStatus } from '../ingest/fixtures/devices.js';
import { liftRecord, tempStore } from './fixtures.js';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

const NOW = new Date('2026-11-28T12:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function statusRecord(seq: number, receivedAt: string): WriteRecord {
  const message = truckStatus('t1', seq);
  return {
    type: 'message',
    kind: 'truckStatus',
    message,
    topic: topicFor('truckStatus', 't1'),
    deviceClass: 'trucks',
    deviceId: 't1',
    payload: encodeMessage('truckStatus', message),
    receivedAt,
    cloudFlags: [],
  };
}

describe('retention', () => {
  it('purges series past their age by reception time and keeps lifts for the billing retention', () => {
    const t = tempStore({ retention: { seriesDays: 90, deadLettersDays: 30, liftsDays: 2000 } });
    cleanup = t.cleanup;
    const { store } = t;
    const oldLift = liftEvent('t1', 1);
    store.writeBatch([
      statusRecord(1, daysAgo(91)),
      statusRecord(2, daysAgo(89)),
      liftRecord(oldLift, daysAgo(400)),
      liftRecord(liftEvent('t1', 2), daysAgo(2001)),
      {
        type: 'dead-letter',
        topic: 'releve/v1/trucks/t1/lifts',
        clientId: 't1',
        reasonCode: 'not-json',
        reason: 'x',
        payload: Buffer.from('x'),
        receivedAt: daysAgo(31),
      },
    ]);
    const report = new RetentionJob(store).runOnce(NOW);
    expect(report).toMatchObject({ truck_status: 1, lifts: 1, dead_letters: 1 });
    expect(store.reads.count('truck_status')).toBe(1);
    expect(store.reads.count('lifts')).toBe(1);
    expect(store.reads.lift(oldLift.id)).not.toBeNull();
    expect(store.reads.count('dead_letters')).toBe(0);
    // The ledger rows of purged events go with them (a lift's row is its own ledger row).
    expect(store.reads.count('events')).toBe(1);
    expect(new RetentionJob(store).runOnce(NOW)).toMatchObject({ truck_status: 0, lifts: 0 });
  });

  it('purges in chunks larger tables than one statement deletes', () => {
    const t = tempStore({ retention: { seriesDays: 1 } });
    cleanup = t.cleanup;
    const records = Array.from({ length: 12_001 }, (_, i) => statusRecord(i + 1, daysAgo(2)));
    t.store.writeBatch(records);
    expect(t.store.purgeExpired(NOW).truck_status).toBe(12_001);
    expect(t.store.reads.count('events')).toBe(0);
  });
});
