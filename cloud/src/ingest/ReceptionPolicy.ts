import { decodeMessage, MAX_PAYLOAD_BYTES, MESSAGES, parseTopic } from '@releve/shared';
import type { CloudFlag, DeadLetterReason, DeviceMessage, WriteRecord } from '../store/records.js';

/** What the ingest does with a message from a device the registry does not know. */
export type UnknownDevicePolicy = 'dead-letter' | 'store-flagged';

/** How far a device clock may be from the cloud's before a message is flagged `clock-skew`. */
export interface ClockSkewLimits {
  /** Device time later than reception by more than this: the clock runs ahead. */
  maxAheadMs: number;
  /**
   * Device time earlier than reception by more than this. Trucks keep events in an outbox
   * while out of coverage, so late is normal up to days; beyond this the clock is suspect.
   */
  maxBehindMs: number;
}

/** Rules applied to each received message before it is written. */
export interface ReceptionRules {
  unknownDevice: UnknownDevicePolicy;
  clockSkew: ClockSkewLimits;
  maxPayloadBytes: number;
}

export const DEFAULT_RECEPTION: ReceptionRules = {
  unknownDevice: 'dead-letter',
  clockSkew: { maxAheadMs: 5 * 60_000, maxBehindMs: 30 * 86_400_000 },
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
};

/** The registry questions the policy asks (the store answers them). */
export interface RegistryLookup {
  isRegisteredDevice(deviceClass: 'trucks' | 'gateways', deviceId: string): boolean;
  isRegisteredTag(tagId: string, at: string): boolean;
}

/**
 * Turns a received MQTT message into what the store writes: a validated message with the
 * cloud's flags, or a dead letter with its reason. Never throws on anything a device sends.
 *
 * Defined outcomes:
 * - not JSON, schema error, oversize, topic outside the tree, device id in payload ≠ topic:
 *   dead letter with the contract's code (`decodeMessage`);
 * - a cloud → device topic: dead letter `unexpected-kind`;
 * - device not in the registry: dead letter `unknown-device` (default) or stored with flag
 *   `unknown-device` (policy `store-flagged`);
 * - device time `ts` too far ahead/behind reception: stored, flagged `clock-skew` (billing
 *   decides; online states are not checked, their `since` is legitimately old);
 * - a lift whose tag matches no bin valid at `startedAt`: stored, flagged `unknown-tag`.
 */
export class ReceptionPolicy {
  constructor(
    private readonly registry: RegistryLookup,
    private readonly rules: ReceptionRules = DEFAULT_RECEPTION,
  ) {}

  /** Classifies one message received at `receivedAt` (UTC ISO). */
  classify(topic: string, payload: Uint8Array, receivedAt: string): WriteRecord {
    const decoded = decodeMessage(topic, payload, this.rules.maxPayloadBytes);
    const clientId = decoded.topic?.deviceId ?? parseTopic(topic)?.deviceId ?? null;
    const deadLetter = (reasonCode: DeadLetterReason, reason: string) =>
      ({ type: 'dead-letter', topic, clientId, reasonCode, reason, payload, receivedAt }) as const;
    if (!decoded.ok) return deadLetter(decoded.code, decoded.reason);
    const { kind, deviceClass, deviceId } = decoded.topic;
    if (MESSAGES[kind].direction !== 'device-to-cloud') {
      return deadLetter('unexpected-kind', `${kind} is a cloud → device message`);
    }
    const cloudFlags: CloudFlag[] = [];
    if (!this.registry.isRegisteredDevice(deviceClass, deviceId)) {
      if (this.rules.unknownDevice === 'dead-letter') {
        return deadLetter('unknown-device', `${deviceClass} ${deviceId} is not in the registry`);
      }
      cloudFlags.push('unknown-device');
    }
    const message = { kind, message: decoded.message } as DeviceMessage;
    // Online states carry `since` (a session's connect time, legitimately old): no skew check.
    if ('ts' in message.message) {
      const skewMs = Date.parse(message.message.ts) - Date.parse(receivedAt);
      if (skewMs > this.rules.clockSkew.maxAheadMs || -skewMs > this.rules.clockSkew.maxBehindMs) {
        cloudFlags.push('clock-skew');
      }
    }
    if (message.kind === 'lift' && message.message.tag) {
      if (!this.registry.isRegisteredTag(message.message.tag.id, message.message.startedAt)) {
        cloudFlags.push('unknown-tag');
      }
    }
    return { type: 'message', topic, deviceClass, deviceId, payload, receivedAt, cloudFlags, ...message };
  }
}
