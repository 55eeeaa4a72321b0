import type { DeviceClass, MessageKind, MessageOf, SharedErrorCode } from '@releve/shared';

/**
 * What the cloud notices on reception, stored next to a message (JSON array `cloud_flags`):
 * - `unknown-device`: the topic's device is not in the registry (stored only when the ingest
 *   policy says so; the default dead-letters it);
 * - `clock-skew`: the device time `ts` is too far ahead of, or behind, the reception time;
 * - `unknown-tag`: a lift's tag matches no bin of the registry valid at the lift time.
 */
export type CloudFlag = 'unknown-device' | 'clock-skew' | 'unknown-tag';

/** A validated message with its kind: `kind` narrows `message`. */
export type DeviceMessage = { [K in MessageKind]: { kind: K; message: MessageOf<K> } }[MessageKind];

/** A validated device → cloud message, ready to be written. */
export type MessageRecord = DeviceMessage & {
  type: 'message';
  topic: string;
  deviceClass: DeviceClass;
  deviceId: string;
  /** The bytes as received: their digest tells a redelivery from a reused event id. */
  payload: Uint8Array;
  /** Cloud time of reception, UTC ISO-8601 with ms. */
  receivedAt: string;
  cloudFlags: CloudFlag[];
};

/**
 * Why a message was dead-lettered: the contract's decoding codes, plus
 * `unknown-device` (registry policy), `id-conflict` (an event id already stored with other
 * bytes) and `unexpected-kind` (a cloud → device message on a device → cloud path).
 */
export type DeadLetterReason = SharedErrorCode | 'unknown-device' | 'id-conflict' | 'unexpected-kind';

/** A message kept with its raw bytes because it could not be stored as it is. */
export interface DeadLetterRecord {
  type: 'dead-letter';
  topic: string;
  /** MQTT 3.1.1 delivers no publisher client id: the device id from the topic when there is one. */
  clientId: string | null;
  reasonCode: DeadLetterReason;
  reason: string;
  payload: Uint8Array;
  receivedAt: string;
}

export type WriteRecord = MessageRecord | DeadLetterRecord;

/**
 * What became of one record: stored; a duplicate of a stored event (same id, same bytes:
 * a QoS 1 redelivery, counted and dropped); or dead-lettered.
 */
export type WriteOutcome = 'stored' | 'duplicate' | 'dead-lettered';
