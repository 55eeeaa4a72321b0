import { describe, expect, it } from 'vitest';
import { type AccessKind, AccessPolicy, type ClientIdentity } from '../../src/broker/AccessPolicy.js';
import { parseAclFile } from '../../src/broker/AclFile.js';
import { deviceAclSection, roleAclSection } from '../../src/broker/AclSections.js';

function policyOf(text: string): AccessPolicy {
  const { table, problems } = parseAclFile(text);
  expect(problems).toEqual([]);
  return new AccessPolicy(table);
}

function can(p: AccessPolicy, who: ClientIdentity, kind: AccessKind, topic: string): boolean {
  return p.decide(p.rulesFor(who), kind, topic).allowed;
}

const truck = (id: string): ClientIdentity => ({ username: id, clientId: id });

describe('ACL file parsing (mosquitto.conf(5) acl_file)', () => {
  it('sections, access words, default readwrite, patterns anywhere, comments', () => {
    const { table, problems } = parseAclFile(
      [
        '# anonymous section',
        'topic read public/#',
        'user alice',
        'topic write a/b',
        'topic c/d with space',
        'pattern read devices/%u/#',
        'user bob',
        'topic deny secret/#',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(table.anonymous).toEqual([{ access: 'read', filter: 'public/#', line: 2 }]);
    expect(table.users.get('alice')).toEqual([
      { access: 'write', filter: 'a/b', line: 4 },
      { access: 'readwrite', filter: 'c/d with space', line: 5 },
    ]);
    expect(table.patterns).toEqual([{ access: 'read', filter: 'devices/%u/#', line: 6 }]);
    expect(table.users.get('bob')).toEqual([{ access: 'deny', filter: 'secret/#', line: 8 }]);
  });

  it('reports every bad line', () => {
    const { problems } = parseAclFile(['topic read a/#/b', 'usr x', 'user', 'topic read'].join('\n'));
    expect(problems.map((p) => p.line)).toEqual([1, 2, 3, 4]);
  });
});

describe('decisions (Mosquitto semantics)', () => {
  const p = policyOf(
    [
      'topic read public/#',
      deviceAclSection('truck', 'truck-a'),
      deviceAclSection('truck', 'truck-b'),
      deviceAclSection('gateway', 'gw-1'),
      roleAclSection('ingest', 'ingest'),
      roleAclSection('admin', 'admin'),
      'user carol',
      'topic read feed/#',
      'topic deny feed/secret',
      'pattern read personal/%u/#',
      'pattern write clients/%c/status',
    ].join('\n'),
  );

  it('a truck writes its own events only', () => {
    expect(can(p, truck('truck-a'), 'write', 'releve/v1/trucks/truck-a/lifts')).toBe(true);
    expect(can(p, truck('truck-a'), 'write', 'releve/v1/trucks/truck-b/lifts')).toBe(false);
    expect(can(p, truck('truck-a'), 'write', 'releve/v1/trucks/truck-a/cmd/config')).toBe(false);
    expect(can(p, truck('truck-a'), 'write', 'releve/v1/gateways/truck-a/sightings')).toBe(false);
    expect(can(p, truck('gw-1'), 'write', 'releve/v1/gateways/gw-1/sightings')).toBe(true);
  });

  it('a device subscribes to its own cmd topics only', () => {
    expect(can(p, truck('truck-a'), 'subscribe', 'releve/v1/trucks/truck-a/cmd/#')).toBe(true);
    expect(can(p, truck('truck-a'), 'subscribe', 'releve/v1/trucks/truck-a/cmd/route')).toBe(true);
    expect(can(p, truck('truck-a'), 'subscribe', 'releve/v1/trucks/truck-b/cmd/#')).toBe(false);
    expect(can(p, truck('truck-a'), 'subscribe', 'releve/v1/trucks/+/cmd/#')).toBe(false);
    expect(can(p, truck('truck-a'), 'subscribe', '#')).toBe(false);
  });

  it('ingest reads every device and writes commands, not events', () => {
    const ingest = { username: 'ingest', clientId: 'ingest-1' };
    expect(can(p, ingest, 'subscribe', 'releve/v1/trucks/+/lifts')).toBe(true);
    expect(can(p, ingest, 'write', 'releve/v1/trucks/truck-a/cmd/route')).toBe(true);
    expect(can(p, ingest, 'write', 'releve/v1/trucks/truck-a/lifts')).toBe(false);
  });

  it('deny wins over a wider grant, for subscriptions and for each delivered message', () => {
    const carol = { username: 'carol', clientId: 'c' };
    expect(can(p, carol, 'subscribe', 'feed/#')).toBe(true);
    expect(can(p, carol, 'read', 'feed/news')).toBe(true);
    expect(can(p, carol, 'read', 'feed/secret')).toBe(false);
    expect(can(p, carol, 'subscribe', 'feed/secret')).toBe(false);
  });

  it('patterns substitute %u and %c, and never match unsafe values', () => {
    expect(can(p, { username: 'carol', clientId: 'c' }, 'read', 'personal/carol/x')).toBe(true);
    expect(can(p, { username: 'carol', clientId: 'c' }, 'read', 'personal/dave/x')).toBe(false);
    expect(can(p, { username: 'carol', clientId: 'c-1' }, 'write', 'clients/c-1/status')).toBe(true);
    for (const bad of ['+', '#', 'a/b']) {
      expect(can(p, { username: bad, clientId: 'c' }, 'subscribe', `personal/${bad}/#`)).toBe(false);
      expect(can(p, { username: 'carol', clientId: bad }, 'write', `clients/${bad}/status`)).toBe(false);
    }
    // an anonymous client never gets a %u pattern
    expect(can(p, { username: null, clientId: 'x' }, 'read', 'personal//x')).toBe(false);
  });

  it('anonymous clients get the section before the first user line', () => {
    const anon = { username: null, clientId: 'x' };
    expect(can(p, anon, 'subscribe', 'public/#')).toBe(true);
    expect(can(p, anon, 'write', 'public/x')).toBe(false);
    expect(can(p, anon, 'subscribe', 'releve/v1/#')).toBe(false);
  });

  it('refuses wildcards in PUBLISH and $ writes even to admin', () => {
    const admin = { username: 'admin', clientId: 'a' };
    expect(can(p, admin, 'write', 'releve/v1/trucks/+/lifts')).toBe(false);
    expect(can(p, admin, 'write', 'releve/v1/#')).toBe(false);
    expect(can(p, admin, 'write', '$SYS/broker/x')).toBe(false);
    expect(can(p, admin, 'subscribe', '$SYS/#')).toBe(true);
    expect(can(p, admin, 'subscribe', '#')).toBe(false);
  });

  it('unknown users get nothing', () => {
    expect(can(p, { username: 'mallory', clientId: 'm' }, 'subscribe', 'public/#')).toBe(false);
  });

  it('tells devices from other users by their own-id write grants', () => {
    expect(p.deviceClassOf('truck-a')).toBe('trucks');
    expect(p.deviceClassOf('gw-1')).toBe('gateways');
    expect(p.deviceClassOf('ingest')).toBeNull();
    expect(p.deviceClassOf('admin')).toBeNull();
    expect(policyOf('pattern write releve/v1/trucks/%u/lifts').deviceClassOf('anyone')).toBe('trucks');
  });

  it('without an ACL file everything but $ writes, wildcards in PUBLISH and shared subscriptions is allowed', () => {
    const open = new AccessPolicy(null);
    const who = { username: 'x', clientId: 'x' };
    expect(open.decide(open.rulesFor(who), 'subscribe', '$share/g/a/b').allowed).toBe(false);
    expect(open.decide(open.rulesFor(who), 'subscribe', '#').allowed).toBe(true);
    expect(open.decide(open.rulesFor(who), 'write', 'a/b').allowed).toBe(true);
    expect(open.decide(open.rulesFor(who), 'write', '$SYS/x').allowed).toBe(false);
  });
});
