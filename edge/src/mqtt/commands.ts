import {
  type DeviceClass,
  decodeMessage,
  MESSAGES,
  type MessageKind,
  type MessageOf,
  type SharedErrorCode,
} from '@releve/shared';

/** Cloud → device message kinds. */
export type CommandKind = 'truckConfig' | 'route' | 'gatewayConfig' | 'allowlist';

/** A validated command for this device. */
export type DeviceCommand = {
  [K in CommandKind]: { kind: K; topic: string; retained: boolean; message: MessageOf<K> };
}[CommandKind];

/** A command payload that failed validation (kept for diagnosis, never acted upon). */
export interface RejectedCommand {
  topic: string;
  code: SharedErrorCode | 'not-for-this-device';
  reason: string;
  /** The first 200 bytes of the payload, as UTF-8 (lossy). */
  excerpt: string;
}

export type CommandDecoding =
  | { ok: true; command: DeviceCommand }
  | { ok: false; rejected: RejectedCommand }
  | { ok: 'cleared' };

function isCommandKind(kind: MessageKind): kind is CommandKind {
  return MESSAGES[kind].direction === 'cloud-to-device';
}

/** The `cmd/#` topic filter of one device. */
export function commandFilter(deviceClass: DeviceClass, deviceId: string): string {
  return `releve/v1/${deviceClass}/${deviceId}/cmd/#`;
}

/**
 * Validates a message received on the device's `cmd/#` subscription with the shared contract
 * (`decodeMessage`): topic in the tree, payload size, UTF-8 JSON, schema, and addressed to this
 * device. An empty retained payload is the cloud clearing a command, not an error.
 */
export function decodeCommand(
  deviceId: string,
  topic: string,
  payload: Buffer,
  retained: boolean,
): CommandDecoding {
  if (payload.length === 0) return { ok: 'cleared' };
  const excerpt = payload.subarray(0, 200).toString('utf8');
  const r = decodeMessage(topic, payload);
  if (!r.ok) return { ok: false, rejected: { topic, code: r.code, reason: r.reason, excerpt } };
  if (r.topic.deviceId !== deviceId || !isCommandKind(r.topic.kind)) {
    return {
      ok: false,
      rejected: {
        topic,
        code: 'not-for-this-device',
        reason: `${r.topic.kind} for ${r.topic.deviceId}`,
        excerpt,
      },
    };
  }
  // decodeMessage validated the payload against the schema of this very kind.
  return { ok: true, command: { kind: r.topic.kind, topic, retained, message: r.message } as DeviceCommand };
}
