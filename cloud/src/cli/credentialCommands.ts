import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceId } from '@releve/shared';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { parseAclFile } from '../broker/AclFile.js';
import {
  DEVICE_KINDS,
  type DeviceKind,
  deviceAclSection,
  roleAclSection,
  USER_ROLES,
  type UserRole,
} from '../broker/AclSections.js';
import { parsePasswordFile, upsertPasswordLine } from '../broker/PasswordFile.js';
import { generateSecret, hashPassword } from '../broker/PasswordHash.js';
import { BrokerConfig, CloudConfig, mergeConfig, readConfigFile } from '../config/CloudConfig.js';
import { CloudError, CloudErrorCode } from '../errors.js';
import { addFileOptions, type ConfigFlags } from './configOptions.js';
import { PID_FILE } from './serveCommand.js';

/** Where credential commands print (stdout in the CLI, a buffer in tests). */
export interface CommandOutput {
  out: (line: string) => void;
}

const STDOUT: CommandOutput = { out: (l) => process.stdout.write(`${l}\n`) };
/** Usernames of role users: also safe in ACL patterns and shell commands. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/**
 * Only what credential commands need from the configuration (the files may not exist yet);
 * the other keys of the file are `serve`'s to check.
 */
const CredentialPaths = z.object({
  dataDir: CloudConfig.shape.dataDir,
  broker: BrokerConfig.pick({ passwordFile: true, aclFile: true }).strip().prefault({}),
});

/** The password and ACL files from --config and the flags. */
async function credentialFiles(
  flags: ConfigFlags,
): Promise<{ passwordFile: string; aclFile: string; dataDir: string }> {
  const raw = flags.config ? await readConfigFile(flags.config) : {};
  const over = {
    dataDir: flags.dataDir,
    broker: { passwordFile: flags.passwordFile, aclFile: flags.aclFile },
  };
  const r = CredentialPaths.safeParse(mergeConfig(raw, over));
  if (!r.success) {
    throw new CloudError(
      CloudErrorCode.Config,
      r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const { passwordFile, aclFile } = r.data.broker;
  if (!passwordFile || !aclFile) {
    throw new CloudError(
      CloudErrorCode.Usage,
      'give --password-file and --acl-file (or a --config naming them)',
    );
  }
  return { passwordFile, aclFile, dataDir: r.data.dataDir };
}

/** Asks a running `serve` (pid file in the data directory) to reload; says what it did. */
async function signalRunningServer(dataDir: string, output: CommandOutput): Promise<void> {
  const pid = Number((await readText(join(dataDir, PID_FILE))).trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    output.out('A running releve-cloud picks this up on SIGHUP (kill -HUP <pid>) or at its next start.');
    return;
  }
  try {
    process.kill(pid, 'SIGHUP');
    output.out(`Sent SIGHUP to the running releve-cloud (pid ${pid}): the new credentials are live.`);
  } catch {
    output.out('A running releve-cloud picks this up on SIGHUP (kill -HUP <pid>) or at its next start.');
  }
}

/**
 * Adds (or with `rotate`, re-keys) one MQTT user: a `$7$` line in the password file and, for
 * a new user, its ACL section appended to the ACL file. Returns the secret, shown once.
 */
export async function addCredential(
  files: { passwordFile: string; aclFile: string },
  name: string,
  aclSection: string,
  what: string,
  rotate: boolean,
): Promise<string> {
  const pw = parsePasswordFile(await readText(files.passwordFile)).table;
  const acl = parseAclFile(await readText(files.aclFile)).table;
  const exists = pw.users.has(name) || acl.users.has(name);
  if (exists && !rotate) {
    throw new CloudError(CloudErrorCode.Usage, `${name} already exists; use --rotate to issue a new secret`);
  }
  if (rotate && !pw.users.has(name)) {
    throw new CloudError(CloudErrorCode.Usage, `${name} does not exist: nothing to rotate`);
  }
  const secret = generateSecret();
  await upsertPasswordLine(files.passwordFile, name, await hashPassword(secret));
  if (!acl.users.has(name)) {
    await appendFile(
      files.aclFile,
      `\n# ${what}, added ${new Date().toISOString()} by releve-cloud\n${aclSection}\n`,
      {
        mode: 0o600,
      },
    );
  }
  return secret;
}

function printSecret(output: CommandOutput, name: string, secret: string): void {
  output.out(`username   ${name}`);
  output.out(`client id  ${name}`);
  output.out(`password   ${secret}`);
  output.out('The password is shown once: store it now (only its PBKDF2 hash is kept).');
}

/** `releve-cloud device add <id> --kind truck|gateway [--rotate]`. */
export function deviceCommand(output: CommandOutput = STDOUT): Command {
  const cmd = new Command('device').description('MQTT credentials of trucks and gateways');
  addFileOptions(
    cmd
      .command('add')
      .description(
        'create a device user: $7$ password line, ACL section from the MQTT contract, secret printed once',
      )
      .argument('<id>', 'device id (also its MQTT username and client id)', (v) => {
        const r = DeviceId.safeParse(v);
        if (!r.success) throw new InvalidArgumentError(r.error.issues[0]?.message ?? 'bad device id');
        return v;
      })
      .addOption(
        new Option('--kind <kind>', 'device kind').choices(Object.keys(DEVICE_KINDS)).makeOptionMandatory(),
      )
      .option('--rotate', 'issue a new secret for an existing device (the ACL stays)'),
  ).action(async (id: string, flags: ConfigFlags & { kind: DeviceKind; rotate?: boolean }) => {
    const files = await credentialFiles(flags);
    const secret = await addCredential(
      files,
      id,
      deviceAclSection(flags.kind, id),
      `${flags.kind} ${id}`,
      !!flags.rotate,
    );
    printSecret(output, id, secret);
    await signalRunningServer(files.dataDir, output);
  });
  return cmd;
}

/** `releve-cloud user add <name> --role ingest|monitor|admin [--rotate]`. */
export function userCommand(output: CommandOutput = STDOUT): Command {
  const cmd = new Command('user').description('MQTT credentials of people and cloud services');
  addFileOptions(
    cmd
      .command('add')
      .description('create a role user: $7$ password line, ACL section of the role, secret printed once')
      .argument('<name>', 'username', (v) => {
        if (!USER_NAME.test(v))
          throw new InvalidArgumentError('1–64 of [A-Za-z0-9._-], starting with a letter or digit');
        return v;
      })
      .addOption(new Option('--role <role>', 'what the user may do').choices(USER_ROLES).default('monitor'))
      .option('--rotate', 'issue a new secret for an existing user (the ACL stays)'),
  ).action(async (name: string, flags: ConfigFlags & { role: UserRole; rotate?: boolean }) => {
    const files = await credentialFiles(flags);
    const secret = await addCredential(
      files,
      name,
      roleAclSection(flags.role, name),
      `${flags.role} user ${name}`,
      !!flags.rotate,
    );
    printSecret(output, name, secret);
    await signalRunningServer(files.dataDir, output);
  });
  return cmd;
}
