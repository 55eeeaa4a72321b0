import { describe, expect, it } from 'vitest';
import { recordOf, reportOf, withoutPayload } from '../../src/ingest/IngestWriter.js';
import type { WriteRecord } from '../../src/store/records.js';
import { liftRecord } from '../store/fixtures.js';
import { liftEvent } from './fixtures/devices.js';

describe('written reports of the writer thread', () => {
  const lift = liftRecord(liftEvent('t1', 1));
  const deadLetter: WriteRecord = {
    type: 'dead-letter',
    topic: 'releve/v1/trucks/t1/lifts',
    clientId: 't1',
    reasonCode: 'not-json',
    reason: 'not UTF-8 JSON',
    payload: Buffer.from([0xff, 0x00]),
    receivedAt: '2026-11-28T07:00:00.000Z',
  };

  it.each([
    ['a message', lift],
    ['a dead letter', deadLetter],
  ])('give back %s as written, with what the event loop kept', (_name, record) => {
    const received = { topic: record.topic, payload: record.payload, receivedAt: record.receivedAt };
    const report = structuredClone(reportOf(record));
    expect(report).not.toHaveProperty('topic');
    expect(recordOf(report, received)).toEqual(withoutPayload(record));
  });
});
