import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { CloudApp } from '../CloudApp.js';
import { loadCloudConfig } from '../config/CloudConfig.js';
import { createCloudLogger } from '../config/logger.js';
import { addServeOptions, type ConfigFlags, flagsToConfig } from './configOptions.js';

/** Name of the file in the data directory holding the running server's pid (for SIGHUP). */
export const PID_FILE = 'releve-cloud.pid';

/**
 * Runs a started app until SIGINT/SIGTERM, reloading files on SIGHUP. Writes the pid file so
 * `device add` / `user add` can ask the running server to reload.
 */
export async function runUntilSignalled(app: CloudApp): Promise<void> {
  const pidFile = join(app.config.dataDir, PID_FILE);
  await writeFile(pidFile, `${process.pid}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`\n${signal}: stopping…\n`);
      app
        .stop()
        .finally(() => rm(pidFile, { force: true }))
        .then(resolve, resolve);
    };
    const hup = () => {
      app.reload().catch(() => {});
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', hup);
  });
}

/** `releve-cloud serve`: the cloud from a configuration file and flags. */
export function serveCommand(): Command {
  return addServeOptions(
    new Command('serve').description('run the cloud (MQTT broker and the services wired in CloudApp)'),
  ).action(async (flags: ConfigFlags) => {
    const config = await loadCloudConfig(flags.config ?? null, flagsToConfig(flags));
    const app = new CloudApp(config, createCloudLogger(config.logLevel));
    await app.start();
    const p = app.broker.ports;
    process.stderr.write(
      `releve-cloud serving: mqtt ${p.mqtt ?? 'off'}, mqtts ${p.mqtts ?? 'off'}, ws ${p.ws ?? 'off'} (pid ${process.pid}; SIGHUP reloads password/acl/TLS files)\n`,
    );
    await runUntilSignalled(app);
  });
}
