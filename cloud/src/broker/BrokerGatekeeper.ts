import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import { AccessDecisionCache } from './AccessDecisionCache.js';
import { type AccessKind, AccessPolicy, type ClientRules } from './AccessPolicy.js';
import { type AclTable, loadAclFile, parseAclFile } from './AclFile.js';
import { roleAclSection } from './AclSections.js';
import { loadPasswordFile, type PasswordTable } from './PasswordFile.js';
import { hashPassword, type PasswordHash, verifyPassword } from './PasswordHash.js';

/** Where credentials and rules come from. */
export interface GatekeeperOptions {
  /** Mosquitto password file; null: no user can authenticate (only anonymous, if allowed). */
  passwordFile: string | null;
  /** Mosquitto ACL file; null: authenticated clients may do everything (Mosquitto's default). */
  aclFile: string | null;
  /** Let clients without a username in (they get the ACL's anonymous section). */
  allowAnonymous: boolean;
  logger: Logger;
}

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 used here. */
const ReturnCode = { IdentifierRejected: 2, BadUsernameOrPassword: 4, NotAuthorized: 5 } as const;

interface PendingConnect {
  /** [MQTT-3.1.3-8]: a zero-length client id requires CleanSession = 1. */
  emptyIdWithoutCleanSession: boolean;
  willTopic: string | null;
}

interface ClientAccess {
  username: string | null;
  /** The in-process services' user (see `setInternalUser`). */
  internal: boolean;
  rules: ClientRules;
  cache: AccessDecisionCache;
  generation: number;
}

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * Authentication and authorisation of the broker, as aedes hooks: users from a Mosquitto
 * password file, rules from a Mosquitto ACL file (see `AccessPolicy`), both reloadable.
 * Every refusal is logged with the client id and answered with the MQTT return code.
 */
export class BrokerGatekeeper {
  private passwords: PasswordTable | null = null;
  private policy = new AccessPolicy(null);
  private generation = 0;
  private readonly pending = new WeakMap<Client, PendingConnect>();
  private readonly access = new WeakMap<Client, ClientAccess>();
  /** Verified against when the user is unknown, so both cases take the same time. */
  private decoy: PasswordHash | null = null;
  private readonly log: Logger;
  private internal: { username: string; hash: PasswordHash; rules: ClientRules } | null = null;

  constructor(private readonly opts: GatekeeperOptions) {
    this.log = opts.logger;
  }

  /** Reads both files; throws `CloudError` listing the problems of a file. */
  async load(): Promise<void> {
    const passwords = this.opts.passwordFile ? await loadPasswordFile(this.opts.passwordFile) : null;
    const acl: AclTable | null = this.opts.aclFile ? await loadAclFile(this.opts.aclFile) : null;
    this.decoy ??= await hashPassword('decoy password, never valid');
    this.passwords = passwords;
    this.policy = new AccessPolicy(acl);
    this.generation++;
    this.log.info(
      { users: passwords?.users.size ?? 0, aclFile: this.opts.aclFile, generation: this.generation },
      'credentials and acl loaded',
    );
  }

  /**
   * Registers the user of the cloud's own in-process services (ingest, API): not in any file,
   * its secret lives only in this process, and it gets the ingest role's rules whatever the ACL
   * file says. It wins over a password-file user of the same name.
   */
  async setInternalUser(username: string, secret: string): Promise<void> {
    const { table } = parseAclFile(roleAclSection('ingest', username));
    this.internal = {
      username,
      hash: await hashPassword(secret),
      rules: { rules: table.users.get(username) ?? [] },
    };
  }

  /** Re-reads both files; on an error the previous ones stay in force and the error is logged. */
  async reload(): Promise<boolean> {
    try {
      await this.load();
      return true;
    } catch (e) {
      this.log.error({ err: e }, 'reload failed; previous password and acl files stay in force');
      return false;
    }
  }

  /** `trucks` or `gateways` when the id is a device's (its ACL lets it write its own topics). */
  deviceClassOf(id: string): 'trucks' | 'gateways' | null {
    return this.policy.deviceClassOf(id);
  }

  /** The username a client authenticated with (null: anonymous, or not authenticated yet). */
  usernameOf(client: Client): string | null {
    return this.access.get(client)?.username ?? null;
  }

  /** The aedes hooks. */
  hooks(): Required<
    Pick<
      AedesOptions,
      'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
    >
  > {
    return {
      preConnect: (client, packet, cb) => {
        this.pending.set(client, {
          emptyIdWithoutCleanSession: packet.clientId === '' && packet.clean === false,
          willTopic: packet.will?.topic ?? null,
        });
        cb(null, true);
      },
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username ?? null, password ?? null).then(
          (err) => (err ? done(err, false) : done(null, true)),
          (e: unknown) => {
            this.log.error({ err: e, clientId: client.id }, 'authentication failed unexpectedly');
            done(refusal(3, 'server unavailable'), false);
          },
        );
      },
      authorizePublish: (client, packet, cb) => {
        if (!client) return cb(null); // a will stored by a previous run: checked when it was stored
        const d = this.decide(client, 'write', packet.topic);
        if (d) {
          this.log.warn(
            {
              clientId: client.id,
              username: this.access.get(client)?.username,
              topic: packet.topic,
              reason: d,
            },
            'publish refused; connection closed',
          );
          return cb(new Error(`publish to ${packet.topic} refused: ${d}`));
        }
        cb(null);
      },
      authorizeSubscribe: (client, sub, cb) => {
        const d = this.decide(client, 'subscribe', sub.topic);
        if (d) {
          this.log.warn(
            {
              clientId: client.id,
              username: this.access.get(client)?.username,
              filter: sub.topic,
              reason: d,
            },
            'subscription refused (SUBACK 0x80)',
          );
          return cb(null, null);
        }
        cb(null, sub);
      },
      authorizeForward: (client, packet) => {
        if (!this.policy.enforced) return packet;
        return this.decide(client, 'read', packet.topic) ? null : packet;
      },
    };
  }

  /** Null when allowed, else the reason. */
  private decide(client: Client, kind: AccessKind, topic: string): string | null {
    const a = this.access.get(client);
    if (!a) return 'client not authenticated';
    if (a.generation !== this.generation) {
      a.rules =
        a.internal && this.internal
          ? this.internal.rules
          : this.policy.rulesFor({ username: a.username, clientId: client.id });
      a.cache = new AccessDecisionCache();
      a.generation = this.generation;
    }
    const d = a.cache.get(kind, topic, () => this.policy.decide(a.rules, kind, topic));
    return d.allowed ? null : d.reason;
  }

  private async authenticate(
    client: Client,
    username: string | null,
    password: Buffer | null,
  ): Promise<AuthenticateError | null> {
    const pending = this.pending.get(client);
    this.pending.delete(client);
    const refuse = (code: number, reason: string) => {
      this.log.warn({ clientId: client.id, username, returnCode: code, reason }, 'connection refused');
      return refusal(code, reason);
    };
    if (pending?.emptyIdWithoutCleanSession) {
      return refuse(
        ReturnCode.IdentifierRejected,
        'zero-length client id needs clean session (MQTT-3.1.3-8)',
      );
    }
    if (this.internal && username === this.internal.username) {
      if (!(await verifyPassword(password ?? Buffer.alloc(0), this.internal.hash))) {
        return refuse(ReturnCode.BadUsernameOrPassword, 'wrong password');
      }
      this.access.set(client, {
        username,
        internal: true,
        rules: this.internal.rules,
        cache: new AccessDecisionCache(),
        generation: this.generation,
      });
      this.log.info({ clientId: client.id, username }, 'internal service connected');
      return null;
    }
    if (username === null) {
      if (!this.opts.allowAnonymous) return refuse(ReturnCode.NotAuthorized, 'anonymous access is off');
    } else {
      if (!this.passwords)
        return refuse(ReturnCode.BadUsernameOrPassword, 'no password file: usernames refused');
      const stored = this.passwords.users.get(username);
      const ok = await verifyPassword(password ?? Buffer.alloc(0), stored ?? (this.decoy as PasswordHash));
      if (!stored || !ok) {
        return refuse(ReturnCode.BadUsernameOrPassword, stored ? 'wrong password' : 'unknown user');
      }
      const deviceClass = this.policy.deviceClassOf(username);
      if (deviceClass && client.id !== username) {
        return refuse(ReturnCode.IdentifierRejected, `a device must use its id ${username} as client id`);
      }
    }
    const rules = this.policy.rulesFor({ username, clientId: client.id });
    const a: ClientAccess = {
      username,
      internal: false,
      rules,
      cache: new AccessDecisionCache(),
      generation: this.generation,
    };
    if (pending?.willTopic) {
      const d = this.policy.decide(rules, 'write', pending.willTopic);
      if (!d.allowed) return refuse(ReturnCode.NotAuthorized, `last will topic refused: ${d.reason}`);
    }
    this.access.set(client, a);
    this.log.info({ clientId: client.id, username, clean: client.clean }, 'client connected');
    return null;
  }
}
