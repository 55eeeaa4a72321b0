import { Command, InvalidArgumentError } from 'commander';
import { DEMO_ROLES } from './DemoProvisioning.js';
import { WholeSystem, type WholeSystemEndpoints } from './WholeSystem.js';

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}
function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port 0–65535');
  return n;
}

interface DemoFlags {
  dataDir: string;
  speed: number;
  bins: number;
  mqttPort: number;
  httpPort: number;
  cabPort: number;
  phones: number;
  logLevel: string;
  progressS: number;
  durationS?: number;
}

/** The banner: where to look, how to log in, what runs. */
export function banner(e: WholeSystemEndpoints, system: WholeSystem, speed: number): string[] {
  const { fleet } = system;
  const bins = fleet.trucks[0]?.route.stops.filter((s) => s.type === 'bin').length ?? 0;
  return [
    '',
    `Relevé — the whole system on simulated devices${speed === 1 ? '' : ` (×${speed} real time)`}`,
    ...e.notes.map((n) => `  ! ${n}`),
    `  Web and API    ${e.httpUrl}${e.httpServed ? '' : '   (not answering: this cloud build serves no HTTP yet)'}`,
    `  MQTT           ${e.mqttUrl}   (user admin, password ${e.credentials.mqtt.admin ?? '?'})`,
    `  Cab displays   ${Object.entries(e.cabUrls)
      .map(([id, url]) => `${id} ${url}`)
      .join('   ')}`,
    `  Tokens (log in at ${e.httpUrl}login, or header "Authorization: Bearer <token>" for the API):`,
    ...DEMO_ROLES.map((r) => `    ${r.padEnd(16)} ${e.credentials.tokens[r] ?? '?'}`),
    ...(e.citizen
      ? [`  Citizen page   ${e.citizen.url}   (${e.citizen.name}: no login, the link is the key)`]
      : []),
    `  Trucks         ${fleet.trucks.map((t) => t.truckId).join(', ')}: ${bins} bins each, unloading when the cab screen says so (releve-truck on socat ptys)`,
    `  Gateways       ${fleet.gateways.map((g) => g.gatewayId).join(', ')}: ${fleet.beacons.length} beacons (three low on battery, one silent, one cloned) (releve-gateway --simulate)`,
    `  Data and logs  ${e.dataDir}   (logs in ${e.logDir}, secrets in credentials.json)`,
    '  Ctrl-C stops everything.',
    '',
  ];
}

/** One quiet progress line. */
export function progressLine(system: WholeSystem, startedAt: number): string {
  const c = system.desk?.counts;
  if (!c) return '';
  const s = Math.round((Date.now() - startedAt) / 1000);
  const clock = `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  const trucks = system.fleet.trucks
    .map((t) => {
      const st = c.status[t.truckId];
      const fill = st ? ` ${Math.round(st.weightFill * 100)}%` : '';
      return `${t.truckId} ${c.lifts[t.truckId] ?? 0}${fill}`;
    })
    .join(' · ');
  const gws = system.fleet.gateways
    .map((g) => `${g.gatewayId} ${c.beaconsHeard[g.gatewayId]?.size ?? 0} beacons`)
    .join(' · ');
  return `[${clock}] lifts ${trucks} | heard ${gws}`;
}

/**
 * `releve-sim demo` (what `npm start` runs): the whole system on simulated devices until
 * Ctrl-C (or `--duration-s`), then every process stopped.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'the whole system on one machine: cloud, three truck agents, two gateways, simulated devices',
    )
    .option('--data-dir <dir>', 'data directory (store, device data, logs, credentials)', '.data/system')
    .option('--speed <x>', 'times faster than real time (10: a lift every second per truck)', positive, 1)
    .option('--bins <n>', 'bins per truck round', positive, 300)
    .option('--mqtt-port <port>', 'preferred MQTT port (a taken port is replaced)', port, 1883)
    .option('--http-port <port>', 'preferred HTTP port of the cloud (API and pages)', port, 8080)
    .option('--cab-port <port>', 'preferred port of the first truck’s cab display (next ones +1)', port, 8181)
    .option('--phones <n>', 'phones around each gateway', positive, 8)
    .option('--log-level <level>', 'log level of the agents (their logs go to files)', 'info')
    .option('--progress-s <s>', 'seconds between progress lines', positive, 15)
    .option('--duration-s <s>', 'stop by itself after this long (tests)', positive)
    .action(async (f: DemoFlags) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const system = new WholeSystem({
        dataDir: f.dataDir,
        speed: f.speed,
        binsPerRoute: Math.round(f.bins),
        mqttPort: f.mqttPort,
        httpPort: f.httpPort,
        cabPort: f.cabPort,
        phones: Math.round(f.phones),
        logLevel: f.logLevel,
        out,
      });
      let signalled: string | null = null;
      const stopRequested = new Promise<void>((resolve) => {
        const onSignal = (sig: string) => {
          if (signalled) return;
          signalled = sig;
          resolve();
        };
        process.on('SIGINT', () => onSignal('SIGINT'));
        process.on('SIGTERM', () => onSignal('SIGTERM'));
        if (f.durationS) setTimeout(() => onSignal('duration'), f.durationS * 1000).unref();
      });
      out('Relevé: starting the cloud, three trucks and two gateways…');
      const startedAt = Date.now();
      let progress: NodeJS.Timeout | undefined;
      try {
        const starting = system.start();
        const first = await Promise.race([starting, stopRequested.then(() => null)]);
        if (first) {
          for (const line of banner(first, system, f.speed)) out(line);
          system.desk?.on('advice', (id, st) =>
            out(
              `${id}: ${st.advice.action === 'unload' ? 'GO UNLOAD' : 'continue'} (${st.advice.reason}), trip ${st.tripSeq}, ${Math.round(st.weightFill * 100)}% of payload`,
            ),
          );
          progress = setInterval(() => out(progressLine(system, startedAt)), f.progressS * 1000);
          await stopRequested;
        } else {
          await starting.catch(() => {});
        }
      } catch (e) {
        out(`! ${(e as Error).message}`);
        process.exitCode = 1;
      } finally {
        if (progress) clearInterval(progress);
        out(`${signalled ?? 'stop'}: stopping trucks, gateways, simulated devices, then the cloud…`);
        await system.stop();
        out(progressLine(system, startedAt));
        out('Stopped: no process left running.');
      }
    });
}
