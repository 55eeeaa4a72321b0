import { readFileSync } from 'node:fs';
import { decodeAdvertisement, fromHex } from '@releve/shared/protocols/ble/index';
import { Command } from 'commander';
import { pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import type { NobleLike } from '../ble/noble-types.js';
import { BeaconGateway } from '../gateway/BeaconGateway.js';
import { systemClock } from '../gateway/Clock.js';
import { loadGatewayConfig } from '../gateway/GatewayConfig.js';
import { outboxPublisher } from '../gateway/GatewayPublisher.js';
import { DeviceLink } from '../mqtt/DeviceLink.js';
import { loadLinkSecrets } from '../mqtt/secrets.js';
import { Outbox } from '../outbox/Outbox.js';

/** Raw AD structures (hex) → the decoded advertisement as JSON (byte arrays shown as hex). */
export function decodeHexToJson(hex: string): { ok: boolean; json: string } {
  const bytes = fromHex(hex);
  if (!bytes) return { ok: false, json: JSON.stringify({ error: 'not hex' }) };
  const r = decodeAdvertisement(bytes);
  const json = JSON.stringify(
    {
      structures: r.ad?.structures.length ?? null,
      localName: r.ad?.localName ?? null,
      frames: r.frames,
      errors: r.errors,
    },
    (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
    2,
  );
  return { ok: r.errors.length === 0, json };
}

/** Options of `releve-gateway run`. */
interface RunOptions {
  config: string;
  /** The simulated zone's file (JSON). */
  simulate?: string;
  phones: number;
  clone?: boolean;
}

/**
 * A simulated zone instead of a Bluetooth adapter (demos, the whole system on simulated
 * devices): the beacons on air are those of the zone file, whatever the allowlist says.
 * Loaded only with `--simulate`: production never loads the simulator.
 */
async function simulatedAir(file: string, o: RunOptions) {
  const sim = await import('@releve/firmware-sim/beacons/index');
  let beacons: ReturnType<typeof sim.parseZoneFile>;
  try {
    beacons = sim.parseZoneFile(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new EdgeError(EdgeErrorCode.Config, `simulated zone ${file}: ${(e as Error).message}`);
  }
  const binding = new sim.SimulatedHciBinding();
  const noble = sim.createNoble(binding) as unknown as NobleLike;
  const zone = new sim.SimulatedZone({
    clock: systemClock,
    binding,
    beacons,
    phones: o.phones,
    clone: o.clone ?? false,
    seed: Date.now() % 1e9,
  });
  return { noble, zone };
}

/** `releve-gateway`: run the beacon gateway, check its config, decode advertising bytes. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('releve-gateway').description('Relevé BLE beacon gateway').exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('check-config')
    .argument('<file>', 'YAML or JSON config file')
    .description('Check a config file and report every problem at once')
    .action((file: string) => {
      try {
        const cfg = loadGatewayConfig(file, process.env, true);
        process.stdout.write(`${file}: OK (gateway ${cfg.gatewayId}, data in ${cfg.dataDir})\n`);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('decode')
    .argument('<hex>', 'advertising data: AD structures as hex (spaces and colons allowed)')
    .description('Decode one advertisement (iBeacon, AltBeacon, Eddystone) into JSON')
    .action((hex: string) => {
      const r = decodeHexToJson(hex);
      process.stdout.write(`${r.json}\n`);
      if (!r.ok) process.exitCode = 1;
    });

  program
    .command('run')
    .description('Run the beacon gateway')
    .requiredOption('--config <file>', 'YAML or JSON config file')
    .option(
      '--simulate <zone>',
      'no adapter: scan a simulated zone, the beacons on air listed in a JSON file ({"beacons":[{"beaconId","address","simulated":"ok|low-battery|silent"}]})',
    )
    .option('--phones <n>', 'with --simulate: phones present at any time', Number, 20)
    .option('--clone', 'with --simulate: add a clone of the first beacon')
    .action(async (opts: RunOptions) => {
      const log = pino({ name: 'edge:gateway', level: process.env.LOG_LEVEL ?? 'info' });
      let outbox: Outbox;
      let link: DeviceLink;
      let gateway: BeaconGateway;
      let sim: Awaited<ReturnType<typeof simulatedAir>> | null = null;
      try {
        sim = opts.simulate ? await simulatedAir(opts.simulate, opts) : null;
        const config = loadGatewayConfig(opts.config);
        const b = config.broker;
        const secrets = loadLinkSecrets({
          passwordFile: b.passwordFile,
          passwordEnv: b.passwordEnv,
          caFile: b.tls?.ca,
          certFile: b.tls?.cert,
          keyFile: b.tls?.key,
        });
        outbox = Outbox.open({
          dataDir: config.dataDir,
          deviceId: config.gatewayId,
          deviceClass: 'gateways',
        });
        link = new DeviceLink({
          url: b.url,
          deviceClass: 'gateways',
          deviceId: config.gatewayId,
          outbox,
          username: b.username,
          ...secrets,
          logger: log.child({ name: 'edge:mqtt:link' }),
        });
        gateway = new BeaconGateway({
          config,
          publisher: outboxPublisher(outbox),
          logger: log,
          ...(sim ? { noble: sim.noble } : {}),
        });
      } catch (e) {
        if (!(e instanceof EdgeError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 1;
        return;
      }
      link.on('command', (c) => {
        if (c.kind === 'allowlist' || c.kind === 'gatewayConfig') gateway.applyCommand(c);
      });
      link.start();
      await gateway.start();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      sim?.zone.stop();
      await gateway.stop();
      await link.stop();
      outbox.close();
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (code === undefined) throw e;
    process.exitCode = code;
  }
}
