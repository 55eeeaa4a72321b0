import { TOPIC_ROOT } from '@releve/shared';
import type { AclRule, AclTable } from './AclFile.js';
import { filterCovers, filterMatchesTopic, isValidFilter, isValidTopicName } from './TopicFilter.js';

/** What a client asks to do: publish to a topic, receive a message on a topic, subscribe to a filter. */
export type AccessKind = 'write' | 'read' | 'subscribe';

/** Who asks: the MQTT username (null when anonymous) and client id. */
export interface ClientIdentity {
  username: string | null;
  clientId: string;
}

/** A decision and, when refused, why (for the log). */
export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** The ACL rules that apply to one client, with patterns already substituted. */
export interface ClientRules {
  readonly rules: readonly AclRule[];
}

const ALLOWED: AccessDecision = { allowed: true };
/** Characters that make a `%u`/`%c` substitution unsafe: the pattern then never matches. */
const UNSAFE_IN_PATTERN = /[+#/]/;

/**
 * Mosquitto's default ACL check (mosquitto 2.0 `acl_file` semantics):
 * - a client with a username gets its `user` section, an anonymous client the lines before
 *   the first `user` line; everyone gets the `pattern` lines, `%u`/`%c` replaced — a pattern
 *   whose `%u`/`%c` value contains `+`, `#` or `/` (or `%u` for an anonymous client) is skipped;
 * - `deny` wins over every grant; otherwise access needs a matching grant;
 * - SUBSCRIBE is checked as read against the filter: the filter must lie inside a read grant
 *   (see `filterCovers`), and each message is checked again as read before delivery so a
 *   `deny` inside a wider subscription still holds;
 * - nobody publishes to `$…` topics (`$SYS` is the broker's) or with wildcards in the topic;
 * - shared subscriptions (`$share/…`) are refused: aedes would accept them and deliver nothing.
 * With no ACL file at all every authenticated client may do everything (Mosquitto's default).
 */
export class AccessPolicy {
  constructor(private readonly acl: AclTable | null) {}

  /** Whether an ACL file is in force. */
  get enforced(): boolean {
    return this.acl !== null;
  }

  /** The rules that apply to one client. */
  rulesFor(who: ClientIdentity): ClientRules {
    if (!this.acl) return { rules: [] };
    const own = who.username === null ? this.acl.anonymous : (this.acl.users.get(who.username) ?? []);
    const rules: AclRule[] = [...own];
    for (const p of this.acl.patterns) {
      let filter = p.filter;
      if (filter.includes('%u')) {
        if (who.username === null || UNSAFE_IN_PATTERN.test(who.username) || who.username === '') continue;
        filter = filter.replaceAll('%u', who.username);
      }
      if (filter.includes('%c')) {
        if (UNSAFE_IN_PATTERN.test(who.clientId) || who.clientId === '') continue;
        filter = filter.replaceAll('%c', who.clientId);
      }
      if (isValidFilter(filter)) rules.push({ ...p, filter });
    }
    return { rules };
  }

  /** Decides one request of a client whose rules are `rules`. */
  decide(rules: ClientRules, kind: AccessKind, topic: string): AccessDecision {
    if (kind === 'write') {
      if (!isValidTopicName(topic)) return { allowed: false, reason: 'wildcard or empty topic in PUBLISH' };
      if (topic.startsWith('$')) return { allowed: false, reason: '$ topics are written by the broker only' };
    } else if (kind === 'subscribe') {
      if (!isValidFilter(topic)) return { allowed: false, reason: 'malformed topic filter' };
      // aedes accepts `$share/…` and then delivers nothing: refuse it openly instead
      if (topic.startsWith('$share/'))
        return { allowed: false, reason: 'shared subscriptions are not supported' };
    }
    if (!this.acl) return ALLOWED;
    const matches = kind === 'subscribe' ? filterCovers : filterMatchesTopic;
    const wanted = kind === 'write' ? 'write' : 'read';
    for (const r of rules.rules) {
      if (r.access === 'deny' && matches(r.filter, topic)) {
        return { allowed: false, reason: `denied by acl line ${r.line}` };
      }
    }
    for (const r of rules.rules) {
      if ((r.access === wanted || r.access === 'readwrite') && matches(r.filter, topic)) return ALLOWED;
    }
    return { allowed: false, reason: `no acl grant for ${wanted}` };
  }

  /**
   * The device class a user is, when the ACL lets it write device events under its own name
   * (`releve/v1/{trucks|gateways}/<username>/…`, written literally or with `%u`). Such a user
   * must connect with its username as client id. Null for other users (ingest, monitor, admin).
   */
  deviceClassOf(username: string): 'trucks' | 'gateways' | null {
    if (!this.acl) return null;
    const { rules } = this.rulesFor({ username, clientId: username });
    for (const r of rules) {
      if (r.access !== 'write' && r.access !== 'readwrite') continue;
      const levels = r.filter.split('/');
      if (`${levels[0]}/${levels[1]}` !== TOPIC_ROOT || levels[3] !== username) continue;
      if (levels[2] === 'trucks' || levels[2] === 'gateways') return levels[2];
    }
    return null;
  }
}
