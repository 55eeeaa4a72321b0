import { createHash, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Password hashes in the formats of Mosquitto's `password_file`, as written by
 * `mosquitto_passwd` 2.x (checked against `/usr/bin/mosquitto_passwd` 2.0.11):
 *
 * - `$7$<iterations>$<salt base64>$<hash base64>`: PBKDF2-HMAC-SHA512, 64-byte key
 *   (mosquitto_passwd's default, `-H sha512-pbkdf2`, 12-byte salt, 101 iterations);
 * - `$6$<salt base64>$<hash base64>`: base64(SHA-512(password ‖ salt bytes)) (`-H sha512`,
 *   the Mosquitto ≤ 1.6 default).
 *
 * Pure apart from the crypto calls.
 */
export type PasswordHash =
  | { kind: 'sha512-pbkdf2'; iterations: number; salt: Buffer; hash: Buffer }
  | { kind: 'sha512'; salt: Buffer; hash: Buffer };

/** Iterations used for hashes this package writes. Our secrets are 192-bit random, so a
 * high count buys nothing; it stays above mosquitto_passwd's 101 for user-chosen passwords. */
export const PBKDF2_ITERATIONS = 1000;
/** Salt length used by mosquitto_passwd (bytes). */
export const SALT_BYTES = 12;
/** Upper bound accepted when reading a file, so a hostile file cannot stall connects. */
const MAX_ITERATIONS = 1_000_000;

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses the hash part of a password file line; null when it is not a known format. */
export function parsePasswordHash(text: string): PasswordHash | null {
  const parts = text.split('$');
  // '$7$101$salt$hash' splits into ['', '7', '101', 'salt', 'hash']
  if (parts[0] !== '') return null;
  if (parts[1] === '7' && parts.length === 5) {
    const [, , iter, salt, hash] = parts;
    if (!iter || !/^\d{1,7}$/.test(iter) || !salt || !hash || !B64.test(salt) || !B64.test(hash)) return null;
    const iterations = Number(iter);
    if (iterations < 1 || iterations > MAX_ITERATIONS) return null;
    const h = Buffer.from(hash, 'base64');
    if (h.length !== 64) return null;
    return { kind: 'sha512-pbkdf2', iterations, salt: Buffer.from(salt, 'base64'), hash: h };
  }
  if (parts[1] === '6' && parts.length === 4) {
    const [, , salt, hash] = parts;
    if (!salt || !hash || !B64.test(salt) || !B64.test(hash)) return null;
    const h = Buffer.from(hash, 'base64');
    if (h.length !== 64) return null;
    return { kind: 'sha512', salt: Buffer.from(salt, 'base64'), hash: h };
  }
  return null;
}

/** The text of a hash, as it appears after `user:` in the file. */
export function formatPasswordHash(h: PasswordHash): string {
  return h.kind === 'sha512-pbkdf2'
    ? `$7$${h.iterations}$${h.salt.toString('base64')}$${h.hash.toString('base64')}`
    : `$6$${h.salt.toString('base64')}$${h.hash.toString('base64')}`;
}

/** Hashes a password as `$7$` (PBKDF2-SHA512) with a fresh random salt. */
export async function hashPassword(
  password: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<PasswordHash & { kind: 'sha512-pbkdf2' }> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  return { kind: 'sha512-pbkdf2', iterations, salt, hash };
}

/** Checks a password against a stored hash, comparing digests in constant time. */
export async function verifyPassword(password: Buffer | string, stored: PasswordHash): Promise<boolean> {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const computed =
    stored.kind === 'sha512-pbkdf2'
      ? await pbkdf2Async(pw, stored.salt, stored.iterations, stored.hash.length, 'sha512')
      : createHash('sha512').update(pw).update(stored.salt).digest();
  return computed.length === stored.hash.length && timingSafeEqual(computed, stored.hash);
}

/** A strong random secret for a device or user: 192 bits, base64url (shell- and URL-safe). */
export function generateSecret(): string {
  return randomBytes(24).toString('base64url');
}
