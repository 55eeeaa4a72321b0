/**
 * A simulated RFID reader on the lifter: while a tag is in its field it sends the tag's frame
 * every `repeatMs` (~50 ms, as RDM6300-type and FDX-B modules do), in one of the three wire
 * formats of `@releve/shared/protocols` (EM4100 RDM6300 frames, FDX-B module frames, FDX-B
 * panel-reader lines). Faults to inject: line noise bursts between frames, corrupted frames
 * (wrong checksum; a garbled digit on the checksum-less ASCII lines) and a reader stuck
 * repeating the last tag after it left the field (a firmware fault seen on cheap modules).
 *
 * A 125 kHz EM4100 reader does not see 134.2 kHz FDX-B tags and the reverse: a tag of the
 * other technology in the field is simply not read. Time comes from a `DeviceClock`.
 */
import { encodeEm4100, encodeFdxbAscii, encodeFdxbBinary } from '@releve/shared/protocols/encoders';
import type { TagRead } from '@releve/shared/protocols/types';
import type { SerialDevice } from '../pty/SerialDevice.js';
import { ByteListeners } from './ByteListeners.js';
import { type DeviceClock, realTimeClock } from './DeviceClock.js';
import { SeededRandom } from './SeededRandom.js';
import { SentLog } from './SentLog.js';

/** Wire formats a simulated reader speaks (names from the protocol registry). */
export type RfidProtocol = 'em4100' | 'fdxb-binary' | 'fdxb-ascii';

/** Options of `RfidReaderSim`. */
export interface RfidReaderSimOptions {
  protocol: RfidProtocol;
  clock?: DeviceClock;
  /** Interval between repeated frames while a tag is in the field, ms (default 50). */
  repeatMs?: number;
  /** Seed of the fault generator (default fixed: runs replay). */
  seed?: number;
  /** Probability per frame of a burst of 1–`maxBytes` random bytes sent just before it. */
  lineNoise?: { probability: number; maxBytes: number };
  /** Probability per frame of sending it corrupted. */
  corruptProbability?: number;
  /** Keep repeating the last tag after it left the field. */
  stuck?: boolean;
  /** Prefix of the ASCII lines (default `LA`; '' for none). */
  asciiPrefix?: string;
}

/** What the reader sent, for tests to compare with what a decoder read. */
export interface RfidReaderSent {
  /** Tag ids of the intact frames, in order (the last 10 000). */
  tags: SentLog<string>;
  corruptedFrames: number;
  noiseBytes: number;
}

/** See the module comment. */
export class RfidReaderSim implements SerialDevice {
  private readonly listeners = new ByteListeners();
  private readonly clock: DeviceClock;
  private readonly random: SeededRandom;
  private tag: TagRead | null = null;
  private lastTag: TagRead | null = null;
  private cancel: (() => void) | null = null;
  /** See `RfidReaderSent`. */
  readonly sent: RfidReaderSent = { tags: new SentLog(), corruptedFrames: 0, noiseBytes: 0 };

  constructor(private readonly options: RfidReaderSimOptions) {
    this.clock = options.clock ?? realTimeClock;
    this.random = new SeededRandom(options.seed);
  }

  /** Tag scheme this reader's antenna can read. */
  get scheme(): TagRead['scheme'] {
    return this.options.protocol === 'em4100' ? 'em4100' : 'fdx-b';
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The reader only talks: bytes from the host are ignored. */
  write(_bytes: Uint8Array): void {}

  /** Starts the reader's frame timer. */
  start(): void {
    this.cancel ??= this.clock.every(this.options.repeatMs ?? 50, () => this.repeat());
  }

  /** Stops the timer. */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** A tag enters the field (null: the field is empty). Another technology's tag is not read. */
  showTag(tag: TagRead | null): void {
    this.tag = tag && tag.scheme === this.scheme ? tag : null;
    if (this.tag) this.lastTag = this.tag;
  }

  private repeat(): void {
    const tag = this.tag ?? (this.options.stuck ? this.lastTag : null);
    if (!tag) return;
    const noise = this.options.lineNoise;
    if (noise && this.random.chance(noise.probability)) {
      const burst = this.random.bytes(this.random.int(1, Math.max(1, noise.maxBytes)));
      this.sent.noiseBytes += burst.length;
      this.listeners.emit(burst);
    }
    const corrupt = this.random.chance(this.options.corruptProbability ?? 0);
    if (corrupt) this.sent.corruptedFrames += 1;
    else this.sent.tags.push(tag.id);
    this.listeners.emit(this.frame(tag.id, corrupt));
  }

  private frame(id: string, corrupt: boolean): Uint8Array {
    switch (this.options.protocol) {
      case 'em4100':
        return encodeEm4100(id, { corruptChecksum: corrupt });
      case 'fdxb-binary':
        return encodeFdxbBinary(id, { corruptChecksum: corrupt });
      case 'fdxb-ascii': {
        const line = encodeFdxbAscii(id, this.options.asciiPrefix ?? 'LA');
        // No checksum on these lines: a garbled digit (a control byte) is the corruption a decoder must catch.
        if (corrupt) line[line.length - 3] = this.random.int(0x00, 0x08);
        return line;
      }
      default: {
        const never: never = this.options.protocol;
        throw new TypeError(`unknown RFID protocol ${String(never)}`);
      }
    }
  }
}
