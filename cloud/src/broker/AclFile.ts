import { readFile } from 'node:fs/promises';
import { CloudError, CloudErrorCode } from '../errors.js';
import type { FileProblem } from './PasswordFile.js';
import { isValidFilter } from './TopicFilter.js';

/**
 * A Mosquitto `acl_file` (see mosquitto.conf(5), `acl_file`):
 *
 *     # comment
 *     topic read $SYS/#                 ← before any `user` line: the anonymous section
 *     user truck-01
 *     topic write releve/v1/trucks/truck-01/lifts
 *     topic read releve/v1/trucks/truck-01/cmd/#
 *     pattern write sensors/%u/#        ← applies to every client, wherever it appears
 *
 * `topic [read|write|readwrite|deny] <filter>`; without an access word the line grants
 * readwrite; the filter is the rest of the line (it may contain spaces). `deny` (Mosquitto
 * 2.0) refuses access and wins over every grant.
 */
export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';

/** One `topic` or `pattern` line. */
export interface AclRule {
  access: AclAccess;
  filter: string;
  /** 1-based line number, for logs. */
  line: number;
}

/** A parsed ACL file. */
export interface AclTable {
  /** `topic` lines before the first `user` line: what clients without a username may do. */
  readonly anonymous: readonly AclRule[];
  /** `topic` lines of each `user` section. */
  readonly users: ReadonlyMap<string, readonly AclRule[]>;
  /** `pattern` lines, with `%u` (username) and `%c` (client id) still in them. */
  readonly patterns: readonly AclRule[];
}

const ACCESS_WORDS = new Set<string>(['read', 'write', 'readwrite', 'deny']);

function parseRule(rest: string, line: number, problems: FileProblem[]): AclRule | null {
  const m = /^(\S+)(?:\s+(.*))?$/.exec(rest);
  if (!m) {
    problems.push({ line, reason: 'missing topic filter' });
    return null;
  }
  let access: AclAccess = 'readwrite';
  let filter = rest;
  if (ACCESS_WORDS.has(m[1] ?? '')) {
    access = m[1] as AclAccess;
    filter = (m[2] ?? '').trim();
  }
  if (!isValidFilter(filter)) {
    problems.push({ line, reason: `not a valid MQTT topic filter: ${JSON.stringify(filter)}` });
    return null;
  }
  return { access, filter, line };
}

/** Parses ACL file text; every unusable line is reported. */
export function parseAclFile(text: string): { table: AclTable; problems: FileProblem[] } {
  const anonymous: AclRule[] = [];
  const users = new Map<string, AclRule[]>();
  const patterns: AclRule[] = [];
  const problems: FileProblem[] = [];
  let current: AclRule[] = anonymous;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    const keyword = m?.[1] ?? '';
    const rest = (m?.[2] ?? '').trim();
    switch (keyword) {
      case 'user': {
        if (rest === '') {
          problems.push({ line: lineNo, reason: 'user without a name' });
          current = [];
          break;
        }
        const existing = users.get(rest);
        current = existing ?? [];
        if (!existing) users.set(rest, current);
        break;
      }
      case 'topic': {
        const rule = parseRule(rest, lineNo, problems);
        if (rule) current.push(rule);
        break;
      }
      case 'pattern': {
        const rule = parseRule(rest, lineNo, problems);
        if (rule) patterns.push(rule);
        break;
      }
      default:
        problems.push({ line: lineNo, reason: `unknown keyword ${JSON.stringify(keyword)}` });
    }
  }
  return { table: { anonymous, users, patterns }, problems };
}

/** Reads and parses an ACL file; throws `CloudError` (acl-file) listing every bad line. */
export async function loadAclFile(path: string): Promise<AclTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CloudError(CloudErrorCode.AclFile, `cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const { table, problems } = parseAclFile(text);
  if (problems.length > 0) {
    throw new CloudError(
      CloudErrorCode.AclFile,
      `${path}: ${problems.map((p) => `line ${p.line}: ${p.reason}`).join('; ')}`,
    );
  }
  return table;
}
