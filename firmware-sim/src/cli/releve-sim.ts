import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { demoCommand } from '../demo/demoCommand.js';
import { PtyDeviceLink } from '../pty/PtyDeviceLink.js';
import { DEFAULT_PULSE_FLOOR_MS, RouteDriver } from '../truck/RouteDriver.js';
import { generateRoute, type RouteFile, readRouteFile, routeCommandOf } from '../truck/RouteFile.js';
import { SimulatedTruck } from '../truck/SimulatedTruck.js';

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}

const say = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);

/** Options of `releve-sim truck`. */
interface TruckCommandOptions {
  route?: string;
  generate?: number;
  seed: number;
  pty?: boolean;
  timeScale: number;
  rfid: 'em4100' | 'fdxb-binary' | 'fdxb-ascii';
  indicator: 'st-gs' | 'toledo' | 'toledo-checksum' | 'mt-sics';
  routeCommand?: string;
  waitHostMs: number;
}

/**
 * `releve-sim truck`: a simulated truck (RFID reader, indicator, lifter Firmata board, GNSS) on
 * real pseudo-terminals, driven through a route file. Prints the tty paths as one JSON line
 * (`{"event":"ttys",…}`), waits for the agent to configure the lifter board, then one line per
 * lift and unload.
 */
async function truck(o: TruckCommandOptions): Promise<void> {
  if (!o.pty) throw new InvalidArgumentError('--pty is required (in-process use goes through the library)');
  let route: RouteFile;
  if (o.route) route = readRouteFile(o.route);
  else if (o.generate) route = generateRoute({ bins: o.generate, seed: o.seed, unloadEvery: 200 });
  else throw new InvalidArgumentError('give --route FILE or --generate N');
  if (o.routeCommand) writeFileSync(o.routeCommand, `${JSON.stringify(routeCommandOf(route))}\n`);

  const sim = new SimulatedTruck({ rfidProtocol: o.rfid, indicatorProtocol: o.indicator });
  const links = {
    rfid: new PtyDeviceLink(sim.rfid),
    indicator: new PtyDeviceLink(sim.indicator),
    lifter: new PtyDeviceLink(sim.board),
    gps: new PtyDeviceLink(sim.gps),
  };
  const driver = new RouteDriver(sim, { timeScale: o.timeScale, pulseFloorMs: DEFAULT_PULSE_FLOOR_MS });
  const shutdown = async () => {
    driver.stop();
    sim.stop();
    await Promise.all(Object.values(links).map((l) => l.stop()));
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  try {
    const ttys = {
      rfid: await links.rfid.start(),
      indicator: await links.indicator.start(),
      lifter: await links.lifter.start(),
      gps: await links.gps.start(),
    };
    say('ttys', { ...ttys, rfidProtocol: o.rfid, indicatorProtocol: o.indicator });
    const until = Date.now() + o.waitHostMs;
    while (!sim.board.isReportingDigital(2) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    say('driving', {
      routeId: route.routeId,
      stops: route.stops.length,
      hostReady: sim.board.isReportingDigital(2),
    });
    driver.on('lift-done', (l) =>
      say('lift', { index: l.index, tagId: l.bin.tagId, grossG: l.grossG, tareG: l.tareG, netG: l.netG }),
    );
    driver.on('unload', () => say('unload'));
    await driver.run(route);
    say('done');
  } finally {
    await shutdown();
  }
}

/** `releve-sim`: simulated devices speaking the real wire protocols. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('releve-sim').description('Relevé simulated devices').exitOverride();
  program
    .command('truck')
    .description('A simulated truck on pseudo-terminals, driven through a route')
    .option('--route <file>', 'route file (JSON: bins with tags, weights, unload stops)')
    .option('--generate <n>', 'generate a route of n bins instead', positiveNumber)
    .option('--seed <n>', 'seed of the generated route', positiveNumber, 1)
    .option('--pty', 'put the devices on socat pseudo-terminals and print their paths')
    .option(
      '--time-scale <x>',
      'multiply every duration (0.1 = 10× faster than real time)',
      positiveNumber,
      1,
    )
    .option('--rfid <protocol>', 'reader protocol: em4100, fdxb-binary, fdxb-ascii', 'em4100')
    .option('--indicator <protocol>', 'indicator protocol: st-gs, toledo, toledo-checksum, mt-sics', 'st-gs')
    .option('--route-command <file>', "write the cloud's RouteCommand for this route to a file")
    .option(
      '--wait-host-ms <ms>',
      'wait this long for the agent to configure the lifter board',
      positiveNumber,
      60_000,
    )
    .action((o: TruckCommandOptions) => truck(o));
  program.addCommand(demoCommand());
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (code !== undefined) {
      process.exitCode = code;
      return;
    }
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
