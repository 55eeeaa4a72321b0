/** RfidReaderSim output, read back by the shared decoders. */
import type { TagRead } from '@releve/shared/protocols/types';
import { describe, expect, it } from 'vitest';
import { RfidReaderSim, type RfidProtocol } from '../../src/devices/RfidReaderSim.js';
import { virtualClock, wire } from './device-harness.js';

const TAGS: Record<RfidProtocol, TagRead> = {
  em4100: { scheme: 'em4100', id: '100086F444' },
  'fdxb-binary': { scheme: 'fdx-b', id: '250-000001088420' },
  'fdxb-ascii': { scheme: 'fdx-b', id: '982-000001088420' },
};

describe.each(Object.entries(TAGS) as [RfidProtocol, TagRead][])('RfidReaderSim %s', (protocol, tag) => {
  it('repeats the tag every 50 ms while it is in the field, and stops when it leaves', () => {
    const clock = virtualClock();
    const reader = new RfidReaderSim({ protocol, clock });
    const w = wire<TagRead>(reader, protocol, clock);
    reader.start();
    clock.advance(500); // empty field
    expect(w.byteCount()).toBe(0);
    reader.showTag(tag);
    clock.advance(1000);
    expect(w.good()).toEqual(Array.from({ length: 20 }, () => tag));
    reader.showTag(null);
    clock.advance(1000);
    expect(w.good()).toHaveLength(20);
    expect(w.decoder.stats).toEqual({ frames: 20, badFrames: 0, noiseBytes: 0 });
    reader.stop();
    expect(clock.pending).toBe(0);
  });

  it('does not read a tag of the other technology', () => {
    const clock = virtualClock();
    const reader = new RfidReaderSim({ protocol, clock });
    const w = wire<TagRead>(reader, protocol, clock);
    reader.start();
    reader.showTag(tag.scheme === 'em4100' ? TAGS['fdxb-binary'] : TAGS.em4100);
    clock.advance(1000);
    expect(w.byteCount()).toBe(0);
    reader.stop();
  });

  it('through line noise and corrupted frames, every intact frame is read, in order, and nothing false', () => {
    const clock = virtualClock();
    const reader = new RfidReaderSim({
      protocol,
      clock,
      seed: 42,
      lineNoise: { probability: 0.3, maxBytes: 12 },
      corruptProbability: 0.2,
    });
    const w = wire<TagRead>(reader, protocol, clock);
    reader.start();
    const ids = [tag.id, protocol === 'em4100' ? '0A1B2C3D4E' : tag.id.replace(/0$/, '7')];
    for (const id of ids) {
      reader.showTag({ scheme: tag.scheme, id });
      clock.advance(5000);
    }
    reader.stop();
    expect(reader.sent.corruptedFrames).toBeGreaterThan(0);
    expect(reader.sent.noiseBytes).toBeGreaterThan(0);
    expect(w.good().map((t) => t.id)).toEqual(reader.sent.tags.all());
    expect(w.decoder.stats.badFrames).toBeGreaterThanOrEqual(reader.sent.corruptedFrames);
  });

  it('a stuck reader keeps sending the last tag after it left', () => {
    const clock = virtualClock();
    const reader = new RfidReaderSim({ protocol, clock, stuck: true });
    const w = wire<TagRead>(reader, protocol, clock);
    reader.start();
    reader.showTag(tag);
    clock.advance(100);
    reader.showTag(null);
    clock.advance(1000);
    expect(w.good()).toHaveLength(22);
    reader.stop();
  });
});
