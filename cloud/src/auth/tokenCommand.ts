import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { CloudConfig, mergeConfig, readConfigFile } from '../config/CloudConfig.js';
import { CloudError, CloudErrorCode } from '../errors.js';
import { STORE_FILE } from '../store/Store.js';
import { ApiTokenStore } from './ApiTokenStore.js';
import { ROLES, Role } from './roles.js';

/** Where `token …` subcommands print (stdout in the CLI, a buffer in tests). */
export interface TokenCommandOutput {
  out: (line: string) => void;
}

/** Flags of `token` that locate the data directory. */
export interface TokenFlags {
  config?: string;
  dataDir?: string;
}

/**
 * Opens the tokens table in the cloud's store file (`<dataDir>/releve.sqlite`), the one the
 * running HTTP API reads, so a token added or revoked here takes effect at once.
 */
export async function openTokensOfDataDir(flags: TokenFlags): Promise<ApiTokenStore> {
  const raw = flags.config ? await readConfigFile(flags.config) : {};
  const r = CloudConfig.shape.dataDir.safeParse(
    (mergeConfig(raw, { dataDir: flags.dataDir }) as { dataDir?: unknown }).dataDir,
  );
  if (!r.success) throw new CloudError(CloudErrorCode.Config, `dataDir: ${r.error.issues[0]?.message}`);
  mkdirSync(r.data, { recursive: true });
  return ApiTokenStore.open(join(r.data, STORE_FILE));
}

/**
 * `releve-cloud token [--config f] [--data-dir d] add --role <role> [--label <text>] | list | revoke <id>`.
 *
 * `openStore` is called when a subcommand runs (so `--help` never opens the database); the
 * command closes the store afterwards.
 */
export function tokenCommand(
  openStore: (flags: TokenFlags) => ApiTokenStore | Promise<ApiTokenStore> = openTokensOfDataDir,
  output: TokenCommandOutput = { out: (l) => process.stdout.write(`${l}\n`) },
): Command {
  const cmd = new Command('token')
    .description('HTTP API bearer tokens (one role each)')
    .option('--config <file>', 'configuration file (JSON or YAML) naming the data directory')
    .option('--data-dir <dir>', 'data directory (default .data)');
  const withStore = async <T>(fn: (s: ApiTokenStore) => T): Promise<T> => {
    const store = await openStore(cmd.opts<TokenFlags>());
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };

  cmd
    .command('add')
    .description('issue a token; the secret is printed once and only its SHA-256 is kept')
    .requiredOption(`--role <role>`, `one of ${ROLES.join(', ')}`, parseRole)
    .option('--label <text>', 'who or what the token is for', '')
    .action(async (opts: { role: Role; label: string }) => {
      const t = await withStore((s) => s.issue(opts.role, opts.label));
      output.out(`id      ${t.id}`);
      output.out(`role    ${t.role}`);
      output.out(`token   ${t.secret}`);
      output.out('The token is shown once: store it now (it is kept hashed and cannot be shown again).');
    });

  cmd
    .command('list')
    .description('list tokens (id, role, label, created, last used, revoked)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const tokens = await withStore((s) => s.list());
      if (opts.json) {
        output.out(JSON.stringify(tokens, null, 2));
        return;
      }
      output.out(['id', 'role', 'label', 'created', 'last-used', 'revoked'].join('\t'));
      for (const t of tokens) {
        output.out(
          [t.id, t.role, t.label || '-', t.createdAt, t.lastUsedAt ?? '-', t.revokedAt ?? '-'].join('\t'),
        );
      }
    });

  cmd
    .command('revoke <id>')
    .description('revoke a token at once')
    .action(async (id: string) => {
      const ok = await withStore((s) => s.revoke(id));
      if (!ok) {
        // commander turns this into a non-zero exit with the message
        cmd.error(`no active token with id ${id}`, { code: 'token.unknown', exitCode: 2 });
      }
      output.out(`revoked ${id}`);
    });

  return cmd;
}

function parseRole(value: string): Role {
  const r = Role.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}`);
  return r.data;
}
