import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiTokenStore } from '@releve/cloud/auth/ApiTokenStore';
import type { Role } from '@releve/cloud/auth/roles';
import { deviceAclSection, roleAclSection } from '@releve/cloud/broker/AclSections';
import { addCredential } from '@releve/cloud/cli/credentialCommands';
import { CitizenLinks } from '@releve/cloud/billing/CitizenLinks';
import { importRegistry } from '@releve/cloud/registry/registryCommand';
import { STORE_FILE } from '@releve/cloud/store/Store';
import type { DemoFleet } from './DemoFleet.js';
import { registryCsv, sampleHousehold } from './DemoRegistry.js';
import { demoTariff } from './DemoTariff.js';

/** Secrets of the demo, kept (mode 0600) in the data directory so a second run reuses them. */
export interface DemoCredentials {
  /** MQTT password per username (devices and role users). */
  mqtt: Record<string, string>;
  /** HTTP API bearer token per role. */
  tokens: Partial<Record<Role, string>>;
}

/** The MQTT user the runner publishes the routes and watches progress with. */
export const DISPATCH_USER = 'demo-dispatch';
/** API roles a token is made for. */
export const DEMO_ROLES: readonly Role[] = ['admin', 'dispatcher', 'billing', 'beacon-operator'];

/** Where the demo keeps things, under one data directory. */
export class DemoLayout {
  constructor(readonly root: string) {}
  get cloudDir(): string {
    return join(this.root, 'cloud');
  }
  get passwordFile(): string {
    return join(this.cloudDir, 'passwd');
  }
  get aclFile(): string {
    return join(this.cloudDir, 'acl');
  }
  /** The cloud's tariff plan (billing.tariffFile). */
  get tariffFile(): string {
    return join(this.cloudDir, 'tariff.json');
  }
  get registryDir(): string {
    return join(this.root, 'registry');
  }
  get logDir(): string {
    return join(this.root, 'logs');
  }
  get credentialsFile(): string {
    return join(this.root, 'credentials.json');
  }
  deviceDir(kind: 'trucks' | 'gateways', id: string): string {
    return join(this.root, kind, id);
  }
  log(name: string): string {
    return join(this.logDir, `${name}.log`);
  }
}

/**
 * Creates what the cloud needs before it starts, the way an operator would with the CLI: MQTT
 * credentials of every device and of the dispatch user (the cloud's `device add` / `user add`
 * logic: `$7$` lines and ACL sections from the contract), one API token per role, the
 * registry imported from CSV files, and the tariff plan billing runs on. Credentials are made
 * once per data directory.
 */
export async function provisionCloud(
  layout: DemoLayout,
  fleet: DemoFleet,
  since: string,
): Promise<DemoCredentials> {
  await mkdir(layout.cloudDir, { recursive: true });
  await mkdir(layout.logDir, { recursive: true });
  const creds = await loadCredentials(layout);
  const files = { passwordFile: layout.passwordFile, aclFile: layout.aclFile };
  if (!existsSync(files.passwordFile)) {
    await writeFile(files.passwordFile, '', { mode: 0o600 });
    await writeFile(files.aclFile, '# Relevé whole-system demo ACL, written by releve-sim demo\n', {
      mode: 0o600,
    });
  }
  const users: { name: string; acl: string; what: string }[] = [
    { name: DISPATCH_USER, acl: roleAclSection('ingest', DISPATCH_USER), what: 'ingest user (demo runner)' },
    { name: 'admin', acl: roleAclSection('admin', 'admin'), what: 'admin user' },
    ...fleet.trucks.map((t) => ({
      name: t.truckId,
      acl: deviceAclSection('truck', t.truckId),
      what: `truck ${t.truckId}`,
    })),
    ...fleet.gateways.map((g) => ({
      name: g.gatewayId,
      acl: deviceAclSection('gateway', g.gatewayId),
      what: `gateway ${g.gatewayId}`,
    })),
  ];
  for (const u of users) {
    if (creds.mqtt[u.name]) continue;
    creds.mqtt[u.name] = await addCredential(files, u.name, u.acl, u.what, false);
  }
  const missingRoles = DEMO_ROLES.filter((r) => !creds.tokens[r]);
  if (missingRoles.length > 0) {
    const tokens = ApiTokenStore.open(join(layout.cloudDir, STORE_FILE));
    try {
      for (const role of missingRoles) creds.tokens[role] = tokens.issue(role, `demo ${role}`).secret;
    } finally {
      tokens.close();
    }
  }
  await writeFile(layout.credentialsFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });

  await mkdir(layout.registryDir, { recursive: true });
  const csv = registryCsv(fleet, since);
  const paths: Partial<Record<keyof typeof csv, string>> = {};
  for (const [kind, text] of Object.entries(csv) as [keyof typeof csv, string][]) {
    const path = join(layout.registryDir, `${kind}.csv`);
    await writeFile(path, text);
    paths[kind] = path;
  }
  await importRegistry(layout.cloudDir, paths);
  await writeFile(layout.tariffFile, `${JSON.stringify(demoTariff(since), null, 2)}\n`);
  return creds;
}

/**
 * The path of the personal statement link of the demo's sample household (`/household/<secret>`,
 * what the billing office's "create the link" button gives), with the household's name; made
 * with the cloud's own key (`CitizenLinks`, in the cloud's data directory). Null when no round
 * has an individual bin.
 */
export function sampleCitizenLink(
  layout: DemoLayout,
  fleet: DemoFleet,
): { path: string; name: string } | null {
  const household = sampleHousehold(fleet);
  if (!household) return null;
  const token = new CitizenLinks(layout.cloudDir).tokenFor(household.householdId);
  return { path: `/household/${token}`, name: household.name };
}

async function loadCredentials(layout: DemoLayout): Promise<DemoCredentials> {
  try {
    const c = JSON.parse(await readFile(layout.credentialsFile, 'utf8')) as Partial<DemoCredentials>;
    // Credentials without their password file (deleted by hand) cannot be reused.
    if (!existsSync(layout.passwordFile)) return { mqtt: {}, tokens: c.tokens ?? {} };
    return { mqtt: c.mqtt ?? {}, tokens: c.tokens ?? {} };
  } catch {
    return { mqtt: {}, tokens: {} };
  }
}
