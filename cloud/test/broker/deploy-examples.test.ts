import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/broker/AclFile.js';
import { deviceAclSection, roleAclSection } from '../../src/broker/AclSections.js';
import { parsePasswordFile } from '../../src/broker/PasswordFile.js';
import { CloudConfig, readConfigFile } from '../../src/config/CloudConfig.js';

const deploy = (name: string) => fileURLToPath(new URL(`../../../deploy/cloud/${name}`, import.meta.url));

/** The sample files in deploy/cloud stay valid and in step with the generators. */
describe('deploy/cloud examples', () => {
  it('cloud.example.yaml matches the configuration schema', async () => {
    const r = CloudConfig.safeParse(await readConfigFile(deploy('cloud.example.yaml')));
    expect(r.success ? [] : r.error.issues).toEqual([]);
    if (r.success) expect(r.data.broker.mqttsPort).toBe(8883);
  });

  it('acl.example parses and its sections are what device add / user add write', () => {
    const text = readFileSync(deploy('acl.example'), 'utf8');
    const { table, problems } = parseAclFile(text);
    expect(problems).toEqual([]);
    const sectionOf = (generated: string) => parseAclFile(generated).table.users;
    const expected = [
      sectionOf(deviceAclSection('truck', 'truck-01')),
      sectionOf(deviceAclSection('gateway', 'gw-01')),
      sectionOf(roleAclSection('ingest', 'ingest')),
      sectionOf(roleAclSection('monitor', 'support')),
      sectionOf(roleAclSection('admin', 'admin')),
    ];
    for (const users of expected) {
      for (const [user, rules] of users) {
        expect(table.users.get(user)?.map((r) => `${r.access} ${r.filter}`)).toEqual(
          rules.map((r) => `${r.access} ${r.filter}`),
        );
      }
    }
    expect(table.anonymous).toEqual([]);
  });

  it('passwd.example holds no user and no unusable line', () => {
    const { table, problems } = parsePasswordFile(readFileSync(deploy('passwd.example'), 'utf8'));
    expect(problems).toEqual([]);
    expect(table.users.size).toBe(0);
  });
});
