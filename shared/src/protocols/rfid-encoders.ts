/**
 * Encoders of the RFID reader frames (the inverse of `Em4100Decoder`, `FdxbBinaryDecoder`,
 * `FdxbAsciiDecoder`), for the simulated readers and the tests. Pure.
 */
import { bytesOf, hex2 } from './byte-stream.js';
import { em4100Checksum } from './em4100.js';
import { parseFdxbId } from './fdx-b.js';
import { FDXB_BINARY_FRAME_LENGTH, FDXB_BINARY_HEADER, fdxbBinaryChecksum } from './fdxb-binary.js';

/** Options shared by the checksummed encoders. */
export interface ChecksumOptions {
  /** Send a wrong checksum (to simulate a corrupted read). */
  corruptChecksum?: boolean;
}

/** RDM6300 frame for an EM4100 id of 10 hex digits (`100086F444`). */
export function encodeEm4100(id: string, options: ChecksumOptions = {}): Uint8Array {
  if (!/^[0-9A-Fa-f]{10}$/.test(id)) throw new RangeError(`EM4100 id must be 10 hex digits: ${id}`);
  const upper = id.toUpperCase();
  const cs = em4100Checksum(upper) ^ (options.corruptChecksum ? 0x5a : 0);
  return bytesOf(`\x02${upper}${hex2(cs)}\x03`);
}

/** 13-byte module frame for an FDX-B id `CCC-NNNNNNNNNNNN` (big-endian numbers, see `fdxb-binary.ts`). */
export function encodeFdxbBinary(id: string, options: ChecksumOptions = {}): Uint8Array {
  const { country, nationalId } = parseFdxbId(id);
  const frame = new Uint8Array(FDXB_BINARY_FRAME_LENGTH);
  frame.set(FDXB_BINARY_HEADER, 0);
  frame[4] = (country >> 8) & 0xff;
  frame[5] = country & 0xff;
  let n = nationalId;
  for (let i = 10; i >= 6; i -= 1) {
    frame[i] = n % 256;
    n = Math.floor(n / 256);
  }
  frame[11] = fdxbBinaryChecksum(frame) ^ (options.corruptChecksum ? 0x5a : 0);
  frame[12] = 0xbb;
  return frame;
}

/** Panel-reader line for an FDX-B id: `LA 982 000001088420\r\n` (prefix '' for none). */
export function encodeFdxbAscii(id: string, prefix = 'LA'): Uint8Array {
  const [country, national] = id.split('-');
  parseFdxbId(id);
  return bytesOf(`${prefix ? `${prefix} ` : ''}${country} ${national}\r\n`);
}
