/**
 * Test harness: a simulated device on a virtual clock, its output fed to the matching decoder
 * from `@releve/shared` exactly as the bytes come out.
 */
import { PROTOCOLS, type ProtocolName } from '@releve/shared/protocols/registry';
import type { DecodedFrame, FrameDecoder } from '@releve/shared/protocols/types';
import { VirtualClock } from '../../src/beacons/VirtualClock.js';
import type { SerialDevice } from '../../src/pty/SerialDevice.js';

/** A device wired to a decoder; `frames` fills as the clock advances. */
export interface Wired<T> {
  clock: VirtualClock;
  decoder: FrameDecoder<T>;
  frames: DecodedFrame<T>[];
  good(): T[];
  /** Raw bytes the device sent. */
  byteCount(): number;
  unplug(): void;
}

/** Listens to `device` with a fresh decoder of `protocol`. */
export function wire<T>(device: SerialDevice, protocol: ProtocolName, clock: VirtualClock): Wired<T> {
  const decoder = PROTOCOLS[protocol].createDecoder() as unknown as FrameDecoder<T>;
  const frames: DecodedFrame<T>[] = [];
  let bytes = 0;
  const unplug = device.onData((chunk) => {
    bytes += chunk.length;
    frames.push(...decoder.push(chunk));
  });
  return {
    clock,
    decoder,
    frames,
    good: () => frames.flatMap((f) => (f.ok ? [f.value] : [])),
    byteCount: () => bytes,
    unplug,
  };
}

/** A fresh virtual clock at 2026-11-28T08:00:00.000Z. */
export function virtualClock(): VirtualClock {
  return new VirtualClock(Date.parse('2026-11-28T08:00:00.000Z'));
}
