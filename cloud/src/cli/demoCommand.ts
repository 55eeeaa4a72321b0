import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { portIsFree } from '@releve/shared/net/tcp';
import { Command } from 'commander';
import { deviceAclSection, roleAclSection } from '../broker/AclSections.js';
import { CloudApp } from '../CloudApp.js';
import { loadCloudConfig } from '../config/CloudConfig.js';
import { createCloudLogger } from '../config/logger.js';
import { integer } from './configOptions.js';
import { addCredential } from './credentialCommands.js';
import { runUntilSignalled } from './serveCommand.js';

/** The sample users of the demo: name, what it is, its ACL section. */
const SAMPLE_USERS = [
  { name: 'admin', what: 'admin user', acl: roleAclSection('admin', 'admin') },
  { name: 'ingest', what: 'ingest user', acl: roleAclSection('ingest', 'ingest') },
  { name: 'truck-01', what: 'truck truck-01', acl: deviceAclSection('truck', 'truck-01') },
  { name: 'gw-01', what: 'gateway gw-01', acl: deviceAclSection('gateway', 'gw-01') },
] as const;

/** Creates the sample credentials on first run (secrets generated, kept in the data dir, mode 0600). */
async function sampleCredentials(dir: string): Promise<Record<string, string>> {
  const store = join(dir, 'demo-credentials.json');
  try {
    return JSON.parse(await readFile(store, 'utf8')) as Record<string, string>;
  } catch {
    const files = { passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl') };
    await writeFile(files.passwordFile, '', { mode: 0o600 });
    await writeFile(files.aclFile, '# Relevé demo ACL, written by releve-cloud demo\n', { mode: 0o600 });
    const secrets: Record<string, string> = {};
    for (const u of SAMPLE_USERS) secrets[u.name] = await addCredential(files, u.name, u.acl, u.what, false);
    await writeFile(store, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    return secrets;
  }
}

async function choosePort(host: string, wanted: number, what: string, notes: string[]): Promise<number> {
  if (await portIsFree(host, wanted)) return wanted;
  notes.push(
    `Port ${wanted} (${what}) is already taken on this machine (another broker, e.g. Mosquitto?): using a free port instead.`,
  );
  return 0;
}

/**
 * `releve-cloud demo`: the cloud alone on embedded defaults with sample credentials (`npm start`
 * runs the whole system instead: `releve-sim demo`, which provisions and starts its own cloud).
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the cloud alone with sample credentials in .data/demo (`npm start` runs the whole system)',
    )
    .option('--data-dir <dir>', 'data directory', '.data/demo')
    .option('--mqtt-port <port>', 'preferred MQTT port', integer, 1883)
    .option('--ws-port <port>', 'preferred MQTT over WebSocket port', integer, 8083)
    .option('--http-port <port>', 'preferred HTTP API port', integer, 8080)
    .action(async (flags: { dataDir: string; mqttPort: number; wsPort: number; httpPort: number }) => {
      const dir = resolve(flags.dataDir);
      await mkdir(dir, { recursive: true });
      const secrets = await sampleCredentials(dir);
      const notes: string[] = [];
      const host = '127.0.0.1';
      const config = await loadCloudConfig(null, {
        dataDir: dir,
        logLevel: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'warn',
        broker: {
          host,
          port: await choosePort(host, flags.mqttPort, 'MQTT', notes),
          wsPort: await choosePort(host, flags.wsPort, 'MQTT over WebSocket', notes),
          passwordFile: join(dir, 'passwd'),
          aclFile: join(dir, 'acl'),
        },
        http: { host, port: await choosePort(host, flags.httpPort, 'HTTP API', notes) },
      });
      const app = new CloudApp(config, createCloudLogger(config.logLevel));
      await app.start();
      const { mqtt, ws } = app.broker.ports;
      const lines = [
        '',
        'Relevé cloud demo is running.',
        ...notes.map((n) => `  ! ${n}`),
        `  MQTT            mqtt://${host}:${mqtt}   (MQTT 3.1.1)`,
        `  MQTT/WebSocket  ws://${host}:${ws}`,
        `  HTTP API        ${app.api.url}   (OpenAPI: ${app.api.url}/api/v1/openapi.json; tokens: releve-cloud token add --role …)`,
        `  data            ${dir}  (password file, ACL, sessions)`,
        '',
        '  Sample users (client id = username for devices):',
        ...Object.entries(secrets).map(([u, s]) => `    ${u.padEnd(9)} ${s}`),
        '',
        '  Watch everything:',
        `    mosquitto_sub -h ${host} -p ${mqtt} -u ingest -P '${secrets.ingest}' -t 'releve/v1/trucks/#' -t 'releve/v1/gateways/#' -v -q 1`,
        '  Publish as truck-01:',
        `    mosquitto_pub -h ${host} -p ${mqtt} -i truck-01 -u truck-01 -P '${secrets['truck-01']}' -q 1 \\`,
        `      -t releve/v1/trucks/truck-01/online -r \\`,
        `      -m '{"deviceId":"truck-01","state":"online","cause":"connected","since":"${new Date().toISOString()}"}'`,
        '',
        '  Ctrl-C stops.',
        '',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await runUntilSignalled(app);
    });
}
