import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, type LiftEvent, type TruckStatus, topicFor } from '@releve/shared';
import pino from 'pino';
import type { MessageRecord } from '../../src/store/records.js';
import { Store, type StoreOptions } from '../../src/store/Store.js';

/** A store in a fresh temp dir; `cleanup()` closes it and removes the dir. */
export function tempStore(options: Partial<StoreOptions> = {}): {
  store: Store;
  dir: string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'releve-store-'));
  const store = Store.open({ dataDir: dir, logger: pino({ level: 'silent' }), ...options });
  return {
    store,
    dir,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A lift as the ingest hands it to the store. */
export function liftRecord(lift: LiftEvent, receivedAt = new Date().toISOString()): MessageRecord {
  return {
    type: 'message',
    kind: 'lift',
    message: lift,
    topic: topicFor('lift', lift.truckId),
    deviceClass: 'trucks',
    deviceId: lift.truckId,
    payload: encodeMessage('lift', lift),
    receivedAt,
    cloudFlags: [],
  };
}

/** A truck status as the ingest hands it to the store. */
export function statusRecord(status: TruckStatus, receivedAt = new Date().toISOString()): MessageRecord {
  return {
    type: 'message',
    kind: 'truckStatus',
    message: status,
    topic: topicFor('truckStatus', status.truckId),
    deviceClass: 'trucks',
    deviceId: status.truckId,
    payload: encodeMessage('truckStatus', status),
    receivedAt,
    cloudFlags: [],
  };
}
