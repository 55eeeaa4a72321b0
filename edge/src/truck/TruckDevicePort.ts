import { PROTOCOLS, type ProtocolKind, isProtocolName } from '@releve/shared/protocols/registry';
import type { FrameDecoder, PositionFix, TagRead, WeightReading } from '@releve/shared/protocols/types';
import type { Logger } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import type { SerialDeviceSettings } from '../serial/SerialDeviceSettings.js';
import { type SerialBinding, SerialTransport } from '../serial/SerialTransport.js';

interface KindValue {
  tag: TagRead;
  weight: WeightReading;
  position: PositionFix;
}

/** A fresh registry decoder for `protocol`, checked to decode frames of `kind`. */
export function decoderFor<K extends ProtocolKind>(protocol: string, kind: K): FrameDecoder<KindValue[K]> {
  if (!isProtocolName(protocol) || PROTOCOLS[protocol].kind !== kind) {
    throw new EdgeError(EdgeErrorCode.Config, `"${protocol}" is not a ${kind} protocol`);
  }
  // The registry entry's kind was just checked, so its decoder yields KindValue[K].
  return PROTOCOLS[protocol].createDecoder() as unknown as FrameDecoder<KindValue[K]>;
}

/**
 * One serial device of the truck: its port (`SerialTransport`, reopened with backoff when the
 * adapter vanishes) and the registry decoder of its protocol. Good frames go to `onValue`; bad
 * ones are counted by the decoder and logged at debug with their hex. After a reopen the
 * decoder forgets partial input, so the two halves of a frame cut by the loss never join.
 */
export class TruckDevicePort<V> {
  readonly transport: SerialTransport;
  private losses = 0;

  constructor(
    readonly role: string,
    private readonly decoder: FrameDecoder<V>,
    serial: SerialDeviceSettings,
    private readonly onValue: (value: V) => void,
    private readonly log: Logger,
    binding: SerialBinding | undefined,
    onLost: (cause: Error | null) => void,
  ) {
    this.transport = new SerialTransport(serial, { ...(binding ? { binding } : {}), logger: log });
    this.transport.on('data', (chunk) => this.feed(chunk));
    this.transport.on('open', () => this.decoder.reset());
    this.transport.on('lost', ({ cause }) => {
      this.losses += 1;
      onLost(cause);
    });
  }

  /** Frames decoded well, bad frames, port losses and reopens. */
  get counters(): { frames: number; badFrames: number; losses: number; reopens: number } {
    const { frames, badFrames } = this.decoder.stats;
    return { frames, badFrames, losses: this.losses, reopens: this.transport.reopens };
  }

  start(): void {
    this.transport.start();
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }

  /** Writes to the device when the port is open (polls); silently skipped otherwise. */
  writeIfOpen(bytes: Uint8Array): void {
    if (!this.transport.isOpen) return;
    this.transport.write(bytes).catch((e: Error) => this.log.debug({ err: e.message }, 'write failed'));
  }

  private feed(chunk: Uint8Array): void {
    for (const frame of this.decoder.push(chunk)) {
      if (frame.ok) this.onValue(frame.value);
      else if (this.log.isLevelEnabled('debug'))
        this.log.debug({ reason: frame.reason, hex: Buffer.from(frame.raw).toString('hex') }, 'bad frame');
    }
  }
}
