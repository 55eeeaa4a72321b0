import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { CloudConfig, readConfigFile } from '../config/CloudConfig.js';
import { CloudError, CloudErrorCode } from '../errors.js';
import { Store } from '../store/Store.js';
import { REGISTRY_FILES, type RegistryFile, RegistryImport } from './RegistryImport.js';

/** Where the command prints (stdout in the CLI, a buffer in tests). */
export interface RegistryOutput {
  out: (line: string) => void;
}
const STDOUT: RegistryOutput = { out: (l) => process.stdout.write(`${l}\n`) };

interface ImportFlags extends Partial<Record<RegistryFile, string>> {
  dir?: string;
  config?: string;
  dataDir?: string;
}

/** The data directory from `--data-dir`, else `--config`'s `dataDir`, else the default. */
async function dataDirOf(flags: ImportFlags): Promise<string> {
  if (flags.dataDir) return flags.dataDir;
  const raw = flags.config ? await readConfigFile(flags.config) : {};
  const given = (raw as { dataDir?: unknown }).dataDir;
  const r = CloudConfig.shape.dataDir.safeParse(given);
  if (!r.success) throw new CloudError(CloudErrorCode.Config, `dataDir: ${r.error.issues[0]?.message}`);
  return r.data;
}

/**
 * Imports registry CSV files into the store of the data directory; see `docs/registry.md`.
 * Returns the rows written per file; throws `registry-import` listing every problem.
 */
export async function importRegistry(
  dataDir: string,
  files: Partial<Record<RegistryFile, string>>,
): Promise<Partial<Record<RegistryFile, number>>> {
  const store = Store.open({ dataDir, logger: pino({ level: 'warn' }) });
  try {
    const job = new RegistryImport(store);
    for (const [kind, path] of Object.entries(files) as [RegistryFile, string][])
      await job.addFile(kind, path);
    return job.commit();
  } finally {
    store.close();
  }
}

/** `releve-cloud registry import --dir <folder> | --households <file> …`. */
export function registryCommand(output: RegistryOutput = STDOUT): Command {
  const cmd = new Command('registry').description(
    'households, buildings, bins, trucks, gateways and beacons',
  );
  const imp = cmd
    .command('import')
    .description(
      'import registry CSV files (; or , separated, UTF-8 with or without BOM) in one transaction: all rows or none',
    )
    .option(
      '--dir <folder>',
      `folder holding any of ${Object.keys(REGISTRY_FILES)
        .map((k) => `${k}.csv`)
        .join(', ')}`,
    )
    .option('--config <file>', 'configuration file (JSON or YAML) naming the data directory')
    .option('--data-dir <dir>', 'data directory (default .data)');
  for (const kind of Object.keys(REGISTRY_FILES)) imp.option(`--${kind} <file>`, `${kind} CSV file`);
  imp.action(async (flags: ImportFlags) => {
    const files: Partial<Record<RegistryFile, string>> = {};
    for (const kind of Object.keys(REGISTRY_FILES) as RegistryFile[]) {
      const explicit = flags[kind];
      if (explicit) files[kind] = explicit;
      else if (flags.dir && existsSync(join(flags.dir, `${kind}.csv`)))
        files[kind] = join(flags.dir, `${kind}.csv`);
    }
    if (Object.keys(files).length === 0) {
      throw new CloudError(
        CloudErrorCode.Usage,
        flags.dir
          ? `no registry CSV file in ${flags.dir}`
          : 'give --dir <folder> or at least one --<file> option',
      );
    }
    const report = await importRegistry(await dataDirOf(flags), files);
    output.out(
      `imported ${Object.entries(report)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
  });
  return cmd;
}
