import { readFile, writeFile } from 'node:fs/promises';
import { CloudError, CloudErrorCode } from '../errors.js';
import { formatPasswordHash, type PasswordHash, parsePasswordHash } from './PasswordHash.js';

/**
 * A Mosquitto `password_file` (see mosquitto.conf(5), `password_file`, and
 * mosquitto_passwd(1)): one `username:hash` per line, the username ends at the first `:`.
 * Blank lines and lines starting with `#` are ignored.
 */
export interface PasswordTable {
  readonly users: ReadonlyMap<string, PasswordHash>;
}

/** One line that could not be used, with its 1-based number. */
export interface FileProblem {
  line: number;
  reason: string;
}

/** Parses password file text. Every unusable line is reported; none is silently skipped. */
export function parsePasswordFile(text: string): { table: PasswordTable; problems: FileProblem[] } {
  const users = new Map<string, PasswordHash>();
  const problems: FileProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push({ line: i + 1, reason: 'expected username:hash' });
      continue;
    }
    const user = line.slice(0, colon);
    const hash = parsePasswordHash(line.slice(colon + 1));
    if (!hash) {
      problems.push({
        line: i + 1,
        reason: `user ${user}: hash is neither $7$ (PBKDF2-SHA512) nor $6$ (SHA512)`,
      });
      continue;
    }
    if (users.has(user)) problems.push({ line: i + 1, reason: `user ${user} appears twice (last one kept)` });
    users.set(user, hash);
  }
  return { table: { users }, problems };
}

/** Reads and parses a password file; throws `CloudError` (password-file) listing every bad line. */
export async function loadPasswordFile(path: string): Promise<PasswordTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CloudError(CloudErrorCode.PasswordFile, `cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const { table, problems } = parsePasswordFile(text);
  const fatal = problems.filter((p) => !p.reason.includes('appears twice'));
  if (fatal.length > 0) {
    throw new CloudError(
      CloudErrorCode.PasswordFile,
      `${path}: ${fatal.map((p) => `line ${p.line}: ${p.reason}`).join('; ')}`,
    );
  }
  return table;
}

/**
 * Sets the hash of one user in a password file, keeping every other line as it is (the file
 * is created when missing, with mode 0600). Returns whether the user was already there.
 */
export async function upsertPasswordLine(path: string, user: string, hash: PasswordHash): Promise<boolean> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const entry = `${user}:${formatPasswordHash(hash)}`;
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  let found = false;
  const out = lines.map((l) => {
    if (l.startsWith(`${user}:`)) {
      found = true;
      return entry;
    }
    return l;
  });
  if (!found) out.push(entry);
  await writeFile(path, `${out.join('\n')}\n`, { mode: 0o600 });
  return found;
}
