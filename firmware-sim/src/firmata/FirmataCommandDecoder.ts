import type { DecodedFrame, FrameDecoder } from '@releve/shared/protocols/types';
import { Firmata } from './FirmataProtocol.js';

/** A host → board Firmata message, as StandardFirmata's `processInput()` dispatches it. */
export type FirmataCommand =
  /** `9p lsb msb`: write the output pins of port p. */
  | { kind: 'digital-port'; port: number; mask: number }
  /** `Ep lsb msb`: PWM/analog write on pin p (0–15). */
  | { kind: 'analog-write'; pin: number; value: number }
  /** `Cc 0|1`: analog channel reporting on/off. */
  | { kind: 'report-analog'; channel: number; enable: boolean }
  /** `Dp 0|1`: digital port reporting on/off. */
  | { kind: 'report-digital'; port: number; enable: boolean }
  /** `F4 pin mode`. */
  | { kind: 'set-pin-mode'; pin: number; mode: number }
  /** `F5 pin value`. */
  | { kind: 'set-pin-value'; pin: number; value: number }
  /** `F9`: the host asks for the protocol version. */
  | { kind: 'report-version' }
  /** `FF`. */
  | { kind: 'system-reset' }
  /** `F0 cmd data… F7`. */
  | { kind: 'sysex'; command: number; data: Uint8Array };

/** Data bytes each channel/system status byte takes (protocol.md "Message Types"). */
function dataLength(status: number): number | undefined {
  if (status >= 0x80 && status < 0xf0) {
    switch (status & 0xf0) {
      case Firmata.DIGITAL_MESSAGE:
      case Firmata.ANALOG_MESSAGE:
        return 2;
      case Firmata.REPORT_ANALOG:
      case Firmata.REPORT_DIGITAL:
        return 1;
      default:
        return undefined;
    }
  }
  switch (status) {
    case Firmata.SET_PIN_MODE:
    case Firmata.SET_DIGITAL_PIN_VALUE:
      return 2;
    case Firmata.REPORT_VERSION:
    case Firmata.SYSTEM_RESET:
      return 0;
    default:
      return undefined;
  }
}

/** Longest SysEx body kept (StandardFirmata's MAX_DATA_BYTES is 64; ours is generous). */
const MAX_SYSEX = 1024;

/**
 * Streaming decoder of the bytes a Firmata host (firmata.js, johnny-five) writes to a board.
 * Follows the Firmata protocol's framing (protocol.md): a status byte (high bit set) starts a
 * message with a fixed number of 7-bit data bytes; `F0 … F7` wraps a SysEx message. A status
 * byte arriving before a message is complete drops the partial one (a bad frame); data bytes
 * outside any message are noise. Pure: bytes in, commands out.
 */
export class FirmataCommandDecoder implements FrameDecoder<FirmataCommand> {
  private buf: number[] = [];
  private inSysex = false;
  private readonly counters = { frames: 0, badFrames: 0, noiseBytes: 0 };

  get stats(): { frames: number; badFrames: number; noiseBytes: number } {
    return { ...this.counters };
  }

  reset(): void {
    this.buf = [];
    this.inSysex = false;
  }

  push(chunk: Uint8Array): DecodedFrame<FirmataCommand>[] {
    const out: DecodedFrame<FirmataCommand>[] = [];
    for (const byte of chunk) {
      if (this.inSysex) {
        this.sysexByte(byte, out);
        continue;
      }
      if (byte & 0x80) {
        if (this.buf.length > 0) this.bad(out, 'message interrupted by a new status byte');
        if (byte === Firmata.START_SYSEX) {
          this.inSysex = true;
          this.buf = [byte];
          continue;
        }
        if (dataLength(byte) === undefined) {
          this.bad(out, `unknown status byte 0x${byte.toString(16)}`, [byte]);
          continue;
        }
        this.buf = [byte];
      } else if (this.buf.length === 0) {
        this.counters.noiseBytes += 1;
        continue;
      } else {
        this.buf.push(byte);
      }
      const status = this.buf[0] as number;
      if (this.buf.length === 1 + (dataLength(status) ?? 0)) this.complete(out);
    }
    return out;
  }

  private sysexByte(byte: number, out: DecodedFrame<FirmataCommand>[]): void {
    if (byte === Firmata.END_SYSEX) {
      this.buf.push(byte);
      this.inSysex = false;
      const raw = Uint8Array.from(this.buf);
      this.buf = [];
      if (raw.length < 3) {
        this.counters.badFrames += 1;
        out.push({ ok: false, reason: 'empty SysEx', raw });
        return;
      }
      this.counters.frames += 1;
      out.push({
        ok: true,
        value: { kind: 'sysex', command: raw[1] as number, data: raw.slice(2, -1) },
        raw,
      });
    } else if (byte & 0x80 || this.buf.length > MAX_SYSEX) {
      this.inSysex = false;
      this.bad(out, byte & 0x80 ? 'SysEx interrupted by a status byte' : 'SysEx too long');
      // The interrupting status byte starts a new message.
      if (byte & 0x80) out.push(...this.push(Uint8Array.of(byte)));
    } else {
      this.buf.push(byte);
    }
  }

  private bad(out: DecodedFrame<FirmataCommand>[], reason: string, raw: number[] = this.buf): void {
    this.counters.badFrames += 1;
    out.push({ ok: false, reason, raw: Uint8Array.from(raw) });
    this.buf = [];
  }

  private complete(out: DecodedFrame<FirmataCommand>[]): void {
    const raw = Uint8Array.from(this.buf);
    this.buf = [];
    const status = raw[0] as number;
    const d1 = raw[1] ?? 0;
    const d2 = raw[2] ?? 0;
    const low = status & 0x0f;
    let value: FirmataCommand;
    if (status < 0xf0) {
      switch (status & 0xf0) {
        case Firmata.DIGITAL_MESSAGE:
          value = { kind: 'digital-port', port: low, mask: d1 | (d2 << 7) };
          break;
        case Firmata.ANALOG_MESSAGE:
          value = { kind: 'analog-write', pin: low, value: d1 | (d2 << 7) };
          break;
        case Firmata.REPORT_ANALOG:
          value = { kind: 'report-analog', channel: low, enable: d1 !== 0 };
          break;
        default:
          value = { kind: 'report-digital', port: low, enable: d1 !== 0 };
      }
    } else if (status === Firmata.SET_PIN_MODE) {
      value = { kind: 'set-pin-mode', pin: d1, mode: d2 };
    } else if (status === Firmata.SET_DIGITAL_PIN_VALUE) {
      value = { kind: 'set-pin-value', pin: d1, value: d2 };
    } else if (status === Firmata.REPORT_VERSION) {
      value = { kind: 'report-version' };
    } else {
      value = { kind: 'system-reset' };
    }
    this.counters.frames += 1;
    out.push({ ok: true, value, raw });
  }
}
