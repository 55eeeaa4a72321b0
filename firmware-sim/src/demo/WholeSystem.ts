import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { acceptsTcp } from '@releve/shared/net/tcp';
import { AgentProcesses, BINS } from './AgentProcesses.js';
import { type DemoFleet, type DemoGateway, type DemoTruck, demoFleet, zoneOf } from './DemoFleet.js';
import {
  type DemoCredentials,
  DemoLayout,
  DISPATCH_USER,
  provisionCloud,
  sampleCitizenLink,
} from './DemoProvisioning.js';
import { DispatchDesk } from './DispatchDesk.js';
import { LeftoverAgents } from './LeftoverAgents.js';
import { choosePort } from './ports.js';
import { SimulatedTruckRig, truckAgentConfig } from './SimulatedTruckRig.js';

/** Options of the whole-system demo (`releve-sim demo`, what `npm start` runs). */
export interface WholeSystemOptions {
  /** Data directory: cloud store, device data, logs, credentials. */
  dataDir: string;
  /** Times faster than real time (1: a lift every ~9 s per truck). */
  speed: number;
  /** Bins per truck round. */
  binsPerRoute: number;
  /** Preferred ports (a taken one is replaced by a free one, and said). */
  mqttPort: number;
  httpPort: number;
  cabPort: number;
  /** Phones in each gateway's simulated zone. */
  phones: number;
  /** Log level of the agents (their logs go to files). */
  logLevel: string;
  /** Where progress lines go. */
  out: (line: string) => void;
}

/** Where things are once the demo runs. */
export interface WholeSystemEndpoints {
  mqttUrl: string;
  httpUrl: string;
  /** True when the cloud answers on its HTTP port (API and pages). */
  httpServed: boolean;
  cabUrls: Record<string, string>;
  credentials: DemoCredentials;
  /** A household's personal statement link (a secret, like the credentials), and whose it is. */
  citizen: { url: string; name: string } | null;
  notes: string[];
  dataDir: string;
  logDir: string;
}

const HOST = '127.0.0.1';

/** What starting the devices needs from the start-up so far. */
interface RunContext {
  credentials: DemoCredentials;
  mqttUrl: string;
  handedOut: Set<number>;
  notes: string[];
}

/**
 * The whole system on one machine with simulated devices: the cloud (`releve-cloud serve`),
 * three real truck agents (`releve-truck run`) on simulated serial devices over real ptys
 * driving their rounds, and two real gateways (`releve-gateway run --simulate`) hearing thirty
 * beacons. The registry, credentials, tokens and tariff are provisioned first; the routes are
 * pushed as retained commands, the cloud pushes the allowlists from the registry. `stop()`
 * ends every process it started.
 */
export class WholeSystem {
  readonly fleet: DemoFleet;
  readonly layout: DemoLayout;
  readonly agents = new AgentProcesses();
  readonly rigs: SimulatedTruckRig[] = [];
  desk: DispatchDesk | null = null;
  #stopped = false;
  readonly #leftovers: LeftoverAgents;

  constructor(private readonly o: WholeSystemOptions) {
    this.layout = new DemoLayout(resolve(o.dataDir));
    this.#leftovers = new LeftoverAgents(join(this.layout.root, 'agents.pid.json'), this.layout.root);
    const now = new Date().toISOString();
    // each run drives new rounds (hhmmss of its start): the agents keep the progress of a known route id
    this.fleet = demoFleet({
      binsPerRoute: o.binsPerRoute,
      date: now.slice(0, 10),
      round: now.slice(11, 19).replaceAll(':', ''),
    });
  }

  /** Provisions and starts everything; resolves once every truck is driving. */
  async start(): Promise<WholeSystemEndpoints> {
    const { o, layout, fleet } = this;
    const since = `${new Date().getUTCFullYear()}-01-01`;
    const notes: string[] = [];
    const ended = await this.#leftovers.end();
    if (ended > 0) o.out(`! ended ${ended} agent(s) a killed earlier run had left running`);
    const credentials = await provisionCloud(layout, fleet, since);
    this.agents.onStart(() => this.#leftovers.record(this.agents.pids()));
    const handedOut = new Set<number>();
    const mqttPort = await choosePort(HOST, o.mqttPort, 'MQTT, Mosquitto probably', handedOut, notes);
    const httpPort = await choosePort(HOST, o.httpPort, 'HTTP', handedOut, notes);
    const mqttUrl = `mqtt://${HOST}:${mqttPort}`;
    this.agents.onUnexpectedExit((a, code) => o.out(`! ${a.name} exited (${code}) — see ${a.logFile}`));

    await this.#startCloud(mqttPort, httpPort);

    const desk = new DispatchDesk(mqttUrl, DISPATCH_USER, credentials.mqtt[DISPATCH_USER] ?? '');
    this.desk = desk;
    await desk.connect();
    await desk.pushRoutes(fleet);

    const run: RunContext = { credentials, mqttUrl, handedOut, notes };
    const cabUrls: Record<string, string> = {};
    for (const [i, truck] of fleet.trucks.entries())
      cabUrls[truck.truckId] = await this.#startTruck(truck, i, run);
    for (const gw of fleet.gateways) await this.#startGateway(gw, run);

    for (const rig of this.rigs) {
      await waitUntil(
        () => rig.hostReady || this.#stopped,
        90_000,
        `${rig.truck.truckId} to set its lifter board up`,
      );
      rig.drive(`${cabUrls[rig.truck.truckId]}view`);
    }
    const httpServed = await waitUntil(() => acceptsTcp(HOST, httpPort), 3_000, 'http').then(
      () => true,
      () => false,
    );
    const httpUrl = `http://${HOST}:${httpPort}/`;
    const citizen = sampleCitizenLink(layout, fleet);
    const endpoints: WholeSystemEndpoints = {
      mqttUrl,
      httpUrl,
      httpServed,
      cabUrls,
      credentials,
      citizen: citizen && { url: new URL(citizen.path, httpUrl).href, name: citizen.name },
      notes,
      dataDir: layout.root,
      logDir: layout.logDir,
    };
    const { credentials: _secrets, citizen: _link, ...shown } = endpoints;
    await writeFile(join(layout.root, 'endpoints.json'), `${JSON.stringify(shown, null, 2)}\n`);
    return endpoints;
  }

  /** The cloud process, on its own configuration file; resolves once its broker accepts connections. */
  async #startCloud(mqttPort: number, httpPort: number): Promise<void> {
    const { o, layout } = this;
    const cloudConfig = join(layout.cloudDir, 'cloud.json');
    await writeFile(
      cloudConfig,
      JSON.stringify(
        {
          dataDir: layout.cloudDir,
          logLevel: o.logLevel,
          broker: {
            host: HOST,
            port: mqttPort,
            passwordFile: layout.passwordFile,
            aclFile: layout.aclFile,
          },
          http: { host: HOST, port: httpPort },
          billing: { tariffFile: layout.tariffFile },
        },
        null,
        2,
      ),
    );
    const cloud = this.agents.start(
      'cloud',
      BINS.cloud,
      ['serve', '--config', cloudConfig],
      layout.log('cloud'),
    );
    await waitUntil(
      async () => cloud.hasExited() || (await acceptsTcp(HOST, mqttPort)),
      90_000,
      'the cloud broker',
    );
    if (cloud.hasExited()) throw new Error(`the cloud did not start: see ${cloud.logFile}`);
  }

  /** One truck: its simulated devices on ptys, then its agent; resolves with its cab screen URL. */
  async #startTruck(truck: DemoTruck, i: number, run: RunContext): Promise<string> {
    const { o, layout } = this;
    const dir = layout.deviceDir('trucks', truck.truckId);
    await mkdir(dir, { recursive: true });
    const rig = new SimulatedTruckRig(truck, o.speed, dir);
    this.rigs.push(rig);
    const ttys = await rig.plugIn();
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, `${run.credentials.mqtt[truck.truckId] ?? ''}\n`, { mode: 0o600 });
    const cabPort = await choosePort(
      HOST,
      o.cabPort === 0 ? 0 : o.cabPort + i,
      `cab display of ${truck.truckId}`,
      run.handedOut,
      run.notes,
    );
    const config = join(dir, 'truck.json');
    const cfg = truckAgentConfig({
      truck,
      ttys,
      dataDir: join(dir, 'data'),
      brokerUrl: run.mqttUrl,
      passwordFile,
      speed: o.speed,
      cabPort,
    });
    await writeFile(config, JSON.stringify(cfg, null, 2));
    this.agents.start(truck.truckId, BINS.truck, ['run', '--config', config], layout.log(truck.truckId), {
      LOG_LEVEL: o.logLevel,
    });
    rig.on('unload', () => o.out(`${truck.truckId}: unloaded at the treatment site`));
    rig.on('done', () => o.out(`${truck.truckId}: round finished`));
    return `http://${HOST}:${cabPort}/`;
  }

  /** One gateway on its simulated zone. */
  async #startGateway(gw: DemoGateway, run: RunContext): Promise<void> {
    const { o, layout, fleet } = this;
    const dir = layout.deviceDir('gateways', gw.gatewayId);
    await mkdir(dir, { recursive: true });
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, `${run.credentials.mqtt[gw.gatewayId] ?? ''}\n`, { mode: 0o600 });
    const config = join(dir, 'gateway.json');
    await writeFile(
      config,
      JSON.stringify(
        {
          gatewayId: gw.gatewayId,
          dataDir: join(dir, 'data'),
          broker: { url: run.mqttUrl, passwordFile },
          batchIntervalS: Math.max(1, Math.round(10 / o.speed)),
          healthIntervalS: Math.max(5, Math.round(60 / o.speed)),
        },
        null,
        2,
      ),
    );
    // what is on air around it comes from the fleet, not from the allowlist the cloud pushes
    const zone = join(dir, 'zone.json');
    await writeFile(zone, `${JSON.stringify(zoneOf(fleet, gw.gatewayId), null, 2)}\n`);
    const args = ['run', '--config', config, '--simulate', zone, '--phones', String(o.phones)];
    if (gw.clone) args.push('--clone');
    this.agents.start(gw.gatewayId, BINS.gateway, args, layout.log(gw.gatewayId), {
      LOG_LEVEL: o.logLevel,
    });
  }

  /** What the dispatch desk saw through the cloud's broker, as plain JSON. */
  summary(): {
    lifts: Record<string, number>;
    sightingBatches: Record<string, number>;
    beaconsHeard: Record<string, string[]>;
  } {
    const c = this.desk?.counts;
    return {
      lifts: { ...c?.lifts },
      sightingBatches: { ...c?.sightingBatches },
      beaconsHeard: Object.fromEntries(
        Object.entries(c?.beaconsHeard ?? {}).map(([g, s]) => [g, [...s].sort()]),
      ),
    };
  }

  /** Stops devices and agents first (their last messages reach the broker), then the cloud. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.agents.beginStop();
    const deviceAgents = [
      ...this.fleet.trucks.map((t) => t.truckId),
      ...this.fleet.gateways.map((g) => g.gatewayId),
    ];
    await this.agents.stop(deviceAgents);
    await Promise.all(this.rigs.map((r) => r.stop()));
    await this.desk?.close().catch(() => {});
    await this.agents.stop(['cloud']);
    this.#leftovers.clear();
    await writeFile(
      join(this.layout.root, 'summary.json'),
      `${JSON.stringify(this.summary(), null, 2)}\n`,
    ).catch(() => {});
  }
}

/** Polls `check` every 200 ms until true; rejects after `timeoutMs`. */
async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
