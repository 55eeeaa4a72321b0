/**
 * Outcome types shared by the BLE advertisement decoders. Decoders never throw: bad bytes come
 * back as `{ ok: false, code, detail }` so a gateway can count them and keep going.
 */

/** Why bytes could not be decoded. Branch on the code, never on `detail`. */
export const BleFrameErrorCode = {
  /** An AD structure's length byte runs past the end of the data (Core Spec Vol 3 Part C §11). */
  AdTruncated: 'ad-truncated',
  /** More advertising data than any PDU can carry (1,650 bytes, extended advertising). */
  AdTooLong: 'ad-too-long',
  /** A frame has the wrong length for its type. */
  BadLength: 'bad-length',
  /** Eddystone-URL scheme byte outside 0x00–0x03. */
  ReservedUrlScheme: 'reserved-url-scheme',
  /** Eddystone-URL byte in a reserved range (0x0E–0x20, 0x7F–0xFF). */
  ReservedUrlCode: 'reserved-url-code',
  /** Eddystone-TLM version other than 0x00 (0x01 is the encrypted ETLM, unreadable without the key). */
  UnsupportedTlmVersion: 'unsupported-tlm-version',
  /** Eddystone frame type byte this decoder does not know. */
  UnknownEddystoneFrame: 'unknown-eddystone-frame',
} as const;
export type BleFrameErrorCode = (typeof BleFrameErrorCode)[keyof typeof BleFrameErrorCode];

/** A decoding failure: a code to count and branch on, and a human detail for the logs. */
export interface BleFrameError {
  ok: false;
  code: BleFrameErrorCode;
  detail: string;
}

/** A decoded value, or a coded failure. */
export type BleResult<T> = { ok: true; value: T } | BleFrameError;

/** Builds a failure. */
export function bleError(code: BleFrameErrorCode, detail: string): BleFrameError {
  return { ok: false, code, detail: `[${code}] ${detail}` };
}

/** Lower-case hex of bytes, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Bytes from a hex string (whitespace, `:` and `-` ignored); null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  const clean = text.replace(/[\s:-]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Signed 8-bit value of a byte. */
export function int8(b: number): number {
  return b > 127 ? b - 256 : b;
}
