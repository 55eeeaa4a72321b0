import type { WriteOutcome } from '../store/records.js';
import type { IngestEventBus } from './IngestEventBus.js';
import type { WrittenRecord } from './IngestWriter.js';

/** What one committed record counts as. */
export type WrittenKind = 'stored' | 'duplicate' | 'dead-lettered';

/**
 * Announces a committed record on the ingest bus: `stored`, `duplicate` (a QoS 1
 * redelivery) or `dead-letter` (refused, or an event id reused with other bytes).
 */
export function emitWritten(bus: IngestEventBus, record: WrittenRecord, outcome: WriteOutcome): WrittenKind {
  if (outcome === 'stored' && record.type === 'message') {
    const { type: _t, topic: _topic, size: _s, ...event } = record;
    bus.emit('stored', event);
    return 'stored';
  }
  if (outcome === 'duplicate' && record.type === 'message') {
    bus.emit('duplicate', { kind: record.kind, deviceId: record.deviceId, receivedAt: record.receivedAt });
    return 'duplicate';
  }
  const dl =
    record.type === 'dead-letter'
      ? record
      : {
          ...record,
          clientId: record.deviceId,
          reasonCode: 'id-conflict' as const,
          reason: 'event id reused',
        };
  bus.emit('dead-letter', {
    topic: dl.topic,
    clientId: dl.clientId,
    reasonCode: dl.reasonCode,
    reason: dl.reason,
    size: dl.size,
    receivedAt: dl.receivedAt,
  });
  return 'dead-lettered';
}
