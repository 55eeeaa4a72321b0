import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  decodeMessage,
  deviceToCloudFilters,
  encodeMessage,
  type LiftEvent,
  MESSAGES,
  parseTopic,
  SharedErrorCode,
  topicFor,
} from '../src/index.js';

const lift: LiftEvent = {
  id: '0b3e8a4c-6a0e-4f4e-9d51-1c1f7a0f2a10',
  seq: 1,
  ts: '2026-11-28T07:15:02.120Z',
  truckId: 'truck-01',
  startedAt: '2026-11-28T07:14:55.000Z',
  tag: { scheme: 'fdx-b', id: '250-000001088420' },
  grossWeightG: 31_500,
  tareWeightG: 12_000,
  netWeightG: 19_500,
  scaleIntervalG: 500,
  minimumG: 5000,
  flags: [],
  tripSeq: 1,
  position: { lat: 43.65, lon: 3.55 },
};

describe('topic tree', () => {
  it('builds and parses every kind for a device', () => {
    for (const kind of Object.keys(MESSAGES) as (keyof typeof MESSAGES)[]) {
      const topic = topicFor(kind, 'dev-1');
      expect(parseTopic(topic)).toEqual({ kind, deviceClass: MESSAGES[kind].deviceClass, deviceId: 'dev-1' });
    }
  });

  it('refuses ids that would escape their topic level', () => {
    for (const bad of ['', 'a/b', '+', '#', 'A', 'x'.repeat(64), '../x']) {
      expect(() => topicFor('lift', bad)).toThrowError(/unknown-topic/);
    }
    expect(parseTopic('releve/v1/trucks/+/lifts')).toBeNull();
    expect(parseTopic('releve/v1/trucks/t1/lifts/extra')).toBeNull();
    expect(parseTopic('$SYS/broker/uptime')).toBeNull();
  });

  it('parses a topic seen before to the same frozen result, and a long one all the same', () => {
    const topic = topicFor('lift', 'dev-2');
    const first = parseTopic(topic);
    expect(parseTopic(`${topic}`)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const long = topicFor('lift', 'd'.repeat(63)).replace('/lifts', `/${'x'.repeat(300)}`);
    expect(parseTopic(long)).toBeNull();
    expect(parseTopic(long)).toBeNull();
  });

  it('subscribes the cloud to device-to-cloud messages only', () => {
    const filters = deviceToCloudFilters();
    expect(filters).toContain('releve/v1/trucks/+/lifts');
    expect(filters.some((f) => f.includes('/cmd/'))).toBe(false);
  });
});

describe('events', () => {
  it('every device → cloud event carries id, seq, ts and the device id; retained states need none', () => {
    const events = Object.entries(MESSAGES).filter(([, m]) => m.direction === 'device-to-cloud');
    expect(events.length).toBeGreaterThan(0);
    for (const [kind, m] of events) {
      const schema = z.toJSONSchema(m.schema, { io: 'input' }) as {
        required?: string[];
        properties?: Record<string, { format?: string; type?: string; pattern?: string }>;
      };
      const required = schema.required ?? [];
      expect(required, kind).toContain(m.deviceField);
      if (m.retained) continue;
      expect(required, kind).toEqual(expect.arrayContaining(['id', 'seq', 'ts']));
      expect(schema.properties?.id?.format, `${kind}.id`).toBe('uuid');
      expect(schema.properties?.seq?.type, `${kind}.seq`).toBe('integer');
      expect(schema.properties?.ts?.pattern, `${kind}.ts`).toContain('\\.\\d{3}Z');
    }
  });
});

describe('decodeMessage', () => {
  const topic = topicFor('lift', 'truck-01');

  it('accepts a valid lift and round-trips it', () => {
    const r = decodeMessage(topic, encodeMessage('lift', lift));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.message).toEqual(lift);
  });

  it.each([
    ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x81]), SharedErrorCode.NotJson],
    ['not JSON', 'hello', SharedErrorCode.NotJson],
    ['wrong type', JSON.stringify({ ...lift, netWeightG: '19.5' }), SharedErrorCode.Schema],
    ['float grams', JSON.stringify({ ...lift, netWeightG: 19.5 }), SharedErrorCode.Schema],
    ['local time', JSON.stringify({ ...lift, ts: '2026-11-28T08:15:02+01:00' }), SharedErrorCode.Schema],
    ['other truck', JSON.stringify({ ...lift, truckId: 'truck-02' }), SharedErrorCode.DeviceMismatch],
    ['oversize', Buffer.alloc(600 * 1024, 0x20), SharedErrorCode.Oversize],
  ])('rejects %s with a code and a reason', (_name, payload, code) => {
    const r = decodeMessage(topic, payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it('decodes a valid payload right after one cut inside a UTF-8 sequence', () => {
    const bytes = encodeMessage('lift', { ...lift, tag: null, flags: ['no-tag'] });
    expect(decodeMessage(topic, Buffer.from([0x7b, 0xe2, 0x82]))).toMatchObject({
      code: SharedErrorCode.NotJson,
    });
    expect(decodeMessage(topic, bytes).ok).toBe(true);
  });

  it('rejects topics outside the tree', () => {
    const r = decodeMessage('releve/v1/trucks/truck-01/unknown', '{}');
    expect(r).toMatchObject({ ok: false, code: SharedErrorCode.UnknownTopic });
  });

  it('encodeMessage refuses an invalid message', () => {
    expect(() => encodeMessage('lift', { ...lift, seq: 0 })).toThrowError(/\[schema\]/);
  });
});
