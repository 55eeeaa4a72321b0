/**
 * Firmata 2.x wire constants and the board → host messages a StandardFirmata sketch sends.
 *
 * Spec: Firmata protocol, https://github.com/firmata/protocol — `protocol.md` (MIDI-style
 * messages: a status byte with the high bit set, data bytes 0–127, 14-bit values sent LSB first
 * as two 7-bit bytes), `feature-registry`'s `capability-query.md`, `analog-mapping-query.md`,
 * `pin-state-query.md`, `sampling-interval.md`, and `query-firmware.md`. Pure: no I/O.
 */

/** Status bytes and SysEx command bytes (protocol.md "Message Types" / "Sysex Message Format"). */
export const Firmata = {
  DIGITAL_MESSAGE: 0x90,
  ANALOG_MESSAGE: 0xe0,
  REPORT_ANALOG: 0xc0,
  REPORT_DIGITAL: 0xd0,
  SET_PIN_MODE: 0xf4,
  SET_DIGITAL_PIN_VALUE: 0xf5,
  REPORT_VERSION: 0xf9,
  SYSTEM_RESET: 0xff,
  START_SYSEX: 0xf0,
  END_SYSEX: 0xf7,
  // SysEx commands
  ANALOG_MAPPING_QUERY: 0x69,
  ANALOG_MAPPING_RESPONSE: 0x6a,
  CAPABILITY_QUERY: 0x6b,
  CAPABILITY_RESPONSE: 0x6c,
  PIN_STATE_QUERY: 0x6d,
  PIN_STATE_RESPONSE: 0x6e,
  EXTENDED_ANALOG: 0x6f,
  STRING_DATA: 0x71,
  REPORT_FIRMWARE: 0x79,
  SAMPLING_INTERVAL: 0x7a,
} as const;

/** Pin modes (protocol.md "Pin modes"), the numbers SET_PIN_MODE and the capability response carry. */
export const PinMode = {
  INPUT: 0x00,
  OUTPUT: 0x01,
  ANALOG: 0x02,
  PWM: 0x03,
  SERVO: 0x04,
  PULLUP: 0x0b,
} as const;
export type PinMode = (typeof PinMode)[keyof typeof PinMode];

/** Capability-response terminator between pins, and "no analog channel" in the analog mapping. */
export const NO_MORE = 0x7f;

/** A 14-bit value as the two 7-bit data bytes the protocol sends, LSB first. */
export function to7bitPair(value: number): [number, number] {
  return [value & 0x7f, (value >> 7) & 0x7f];
}

/** REPORT_VERSION: `F9 major minor` (protocol.md "version report format"). */
export function versionReport(major: number, minor: number): Uint8Array {
  return Uint8Array.of(Firmata.REPORT_VERSION, major & 0x7f, minor & 0x7f);
}

/**
 * REPORT_FIRMWARE reply: `F0 79 major minor <name as 7-bit pairs, LSB first> F7`
 * (query-firmware.md; StandardFirmata sends the sketch file name, e.g. `StandardFirmata.ino`).
 */
export function firmwareReport(major: number, minor: number, name: string): Uint8Array {
  const body: number[] = [];
  for (const byte of Buffer.from(name, 'utf8')) body.push(...to7bitPair(byte));
  return Uint8Array.of(
    Firmata.START_SYSEX,
    Firmata.REPORT_FIRMWARE,
    major & 0x7f,
    minor & 0x7f,
    ...body,
    Firmata.END_SYSEX,
  );
}

/** One pin's supported modes with their resolution in bits (capability-query.md). */
export interface PinCapability {
  modes: Array<{ mode: PinMode; resolutionBits: number }>;
  /** Analog input channel of this pin, if any. */
  analogChannel?: number;
}

/** CAPABILITY_RESPONSE: `F0 6C (mode res)* 7F` per pin `… F7`. */
export function capabilityResponse(pins: readonly PinCapability[]): Uint8Array {
  const body: number[] = [];
  for (const pin of pins) {
    for (const { mode, resolutionBits } of pin.modes) body.push(mode, resolutionBits);
    body.push(NO_MORE);
  }
  return Uint8Array.of(Firmata.START_SYSEX, Firmata.CAPABILITY_RESPONSE, ...body, Firmata.END_SYSEX);
}

/** ANALOG_MAPPING_RESPONSE: `F0 6A` then per pin its analog channel or 7F, `F7`. */
export function analogMappingResponse(pins: readonly PinCapability[]): Uint8Array {
  const body = pins.map((p) => p.analogChannel ?? NO_MORE);
  return Uint8Array.of(Firmata.START_SYSEX, Firmata.ANALOG_MAPPING_RESPONSE, ...body, Firmata.END_SYSEX);
}

/**
 * PIN_STATE_RESPONSE: `F0 6E pin mode state…` with the state in as many 7-bit bytes as it needs
 * (at least one), LSB first (pin-state-query.md). For outputs the state is the last value
 * written; for inputs, whether the pull-up is on.
 */
export function pinStateResponse(pin: number, mode: number, state: number): Uint8Array {
  const stateBytes: number[] = [];
  let rest = Math.max(0, Math.trunc(state));
  do {
    stateBytes.push(rest & 0x7f);
    rest >>= 7;
  } while (rest > 0);
  return Uint8Array.of(
    Firmata.START_SYSEX,
    Firmata.PIN_STATE_RESPONSE,
    pin & 0x7f,
    mode & 0x7f,
    ...stateBytes,
    Firmata.END_SYSEX,
  );
}

/** DIGITAL_MESSAGE: `9p lsb msb`, the 8 pins of port p as a bit mask. */
export function digitalPortMessage(port: number, mask: number): Uint8Array {
  return Uint8Array.of(Firmata.DIGITAL_MESSAGE | (port & 0x0f), ...to7bitPair(mask & 0xff));
}

/** ANALOG_MESSAGE: `Ec lsb msb`, a 14-bit reading of analog channel c (0–15). */
export function analogMessage(channel: number, value: number): Uint8Array {
  return Uint8Array.of(Firmata.ANALOG_MESSAGE | (channel & 0x0f), ...to7bitPair(value & 0x3fff));
}
