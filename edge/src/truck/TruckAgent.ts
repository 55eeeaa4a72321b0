import { performance } from 'node:perf_hooks';
import type { DeviceAlert, Position } from '@releve/shared';
import { MT_SICS_POLL } from '@releve/shared/protocols/mt-sics';
import type { PositionFix, TagRead, WeightReading } from '@releve/shared/protocols/types';
import { type Logger, pino } from 'pino';
import { AgentCabSource } from '../cab/CabView.js';
import { CabScreenServer } from '../cab/CabScreenServer.js';
import { DeviceLink, type DeviceLinkOptions } from '../mqtt/DeviceLink.js';
import { loadLinkSecrets } from '../mqtt/secrets.js';
import { Outbox } from '../outbox/Outbox.js';
import { LifterBoard } from '../firmata/LifterBoard.js';
import { type SerialBinding, SerialTransport } from '../serial/SerialTransport.js';
import { CabDisplay } from './CabDisplay.js';
import { type AgentClock, CollectionRecorder } from './CollectionRecorder.js';
import { SystemdNotifier } from './SystemdNotifier.js';
import type { TruckConfig } from './TruckConfig.js';
import { decoderFor, TruckDevicePort } from './TruckDevicePort.js';

/** Options of a `TruckAgent`. */
export interface TruckAgentOptions {
  config: TruckConfig;
  logger?: Logger;
  /** serialport binding for every device (tests plug simulated devices through MockBinding). */
  binding?: SerialBinding;
  clock?: AgentClock;
  /** Housekeeping period (cycle timeouts, status interval, watchdog), ms. */
  tickMs?: number;
  /** Link settings tests tune (backoff, window). */
  link?: Partial<
    Pick<DeviceLinkOptions, 'backoff' | 'window' | 'keepaliveS' | 'connectTimeoutMs' | 'stopTimeoutMs'>
  >;
  /** Environment for secrets (tests). */
  env?: NodeJS.ProcessEnv;
}

const SYSTEM_CLOCK: AgentClock = { wall: () => Date.now(), mono: () => performance.now() };

/**
 * The truck agent: the one wiring file. Serial devices → registry decoders → `CollectionRecorder`
 * (`LiftCycle` + `UnloadAdvisor`) → durable `Outbox` → `DeviceLink` (MQTT). The lifter board
 * feeds the lifter edges and compactor fill and shows the advice; cloud commands (route, config)
 * come back through the link. `start()` opens everything, `stop()` closes everything it opened.
 */
export class TruckAgent {
  readonly config: TruckConfig;
  readonly outbox: Outbox;
  readonly recorder: CollectionRecorder;
  readonly link: DeviceLink;
  private readonly log: Logger;
  private readonly ports: TruckDevicePort<unknown>[] = [];
  private readonly board: LifterBoard | null;
  private readonly boardPort: SerialTransport | null;
  private readonly display: CabDisplay | null;
  private readonly notifier: SystemdNotifier;
  /** The cab screen (HTTP), when configured. */
  readonly cabScreen: CabScreenServer | null;
  private readonly cabSource: AgentCabSource | null;
  private readonly timers: NodeJS.Timeout[] = [];
  private started = false;

  constructor(options: TruckAgentOptions) {
    const config = options.config;
    this.config = config;
    this.log = options.logger ?? pino({ name: 'edge:truck', level: process.env.LOG_LEVEL ?? 'info' });
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.outbox = Outbox.open({
      dataDir: config.dataDir,
      deviceId: config.truckId,
      deviceClass: 'trucks',
      synchronous: config.outbox.synchronous,
      maxEntries: config.outbox.maxEntries,
      logger: this.log.child({ name: 'edge:outbox' }),
    });
    this.recorder = new CollectionRecorder(
      config,
      this.outbox,
      clock,
      this.log.child({ name: 'edge:truck:lifts' }),
      () => this.deviceHealth(),
    );
    const secrets = loadLinkSecrets(
      {
        ...(config.broker.passwordFile ? { passwordFile: config.broker.passwordFile } : {}),
        ...(config.broker.passwordEnv ? { passwordEnv: config.broker.passwordEnv } : {}),
        ...(config.broker.tls?.ca ? { caFile: config.broker.tls.ca } : {}),
        ...(config.broker.tls?.cert ? { certFile: config.broker.tls.cert } : {}),
        ...(config.broker.tls?.key ? { keyFile: config.broker.tls.key } : {}),
      },
      options.env,
    );
    this.link = new DeviceLink({
      url: config.broker.url,
      deviceClass: 'trucks',
      deviceId: config.truckId,
      outbox: this.outbox,
      ...(config.broker.username ? { username: config.broker.username } : {}),
      ...secrets,
      ...options.link,
      logger: this.log.child({ name: 'edge:mqtt:link' }),
    });
    this.link.on(
      'command',
      this.guarded((cmd) => {
        if (cmd.kind === 'route') this.recorder.route(cmd.message);
        else if (cmd.kind === 'truckConfig') this.recorder.configure(cmd.message);
      }),
    );
    this.createPorts(options.binding);
    const lifter = config.devices.lifter;
    this.boardPort = lifter
      ? new SerialTransport(lifter.serial, {
          ...(options.binding ? { binding: options.binding } : {}),
          logger: this.log.child({ name: 'edge:serial:lifter' }),
        })
      : null;
    this.board =
      lifter && this.boardPort
        ? new LifterBoard(this.boardPort, lifter.board, {
            logger: this.log.child({ name: 'edge:firmata:lifter' }),
          })
        : null;
    this.wireBoard();
    this.wireAlerts();
    this.display = config.cabDisplay
      ? new CabDisplay(
          new SerialTransport(config.cabDisplay.serial, {
            ...(options.binding ? { binding: options.binding } : {}),
            logger: this.log.child({ name: 'edge:serial:cab' }),
          }),
          this.log.child({ name: 'edge:truck:cab' }),
          config.cabDisplay.width,
        )
      : null;
    if (this.display) {
      const d = this.display;
      this.recorder.on('advice', (a) => d.advice(a));
      this.recorder.on('lift', (l) => d.lift(l));
    }
    this.notifier = new SystemdNotifier(this.log.child({ name: 'edge:truck:systemd' }));
    const cab = config.cabScreen;
    this.cabSource = cab?.enabled ? new AgentCabSource({ recorder: this.recorder, link: this.link }) : null;
    this.cabScreen =
      cab && this.cabSource
        ? new CabScreenServer({
            source: this.cabSource,
            truckId: config.truckId,
            host: cab.host,
            port: cab.port,
            logger: this.log,
          })
        : null;
    this.tickMs = options.tickMs ?? 1000;
  }

  private readonly tickMs: number;

  /** Opens the devices and the link, starts housekeeping. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const p of this.ports) p.start();
    this.link.start();
    this.display?.start();
    if (this.board && this.boardPort) {
      this.boardPort.start();
      // The board may be unplugged at start-up: it connects whenever its port opens.
      this.board
        .start()
        .catch((e: Error) => this.log.error({ err: e.message }, 'lifter board failed to start'));
    }
    this.timers.push(setInterval(() => this.tick(), this.tickMs));
    const ind = this.config.devices.indicator;
    const indicator = this.ports.find((p) => p.role === 'indicator');
    if (ind.protocol === 'mt-sics' && indicator) {
      this.timers.push(setInterval(() => indicator.writeIfOpen(MT_SICS_POLL), ind.pollIntervalMs));
    }
    this.recorder.bookStatus();
    // The screen is a convenience: a taken port is logged, the agent collects anyway.
    await this.cabScreen
      ?.start()
      .catch((e: Error) => this.log.error({ err: e.message }, 'cab screen not started'));
    this.notifier.ready();
    this.log.info(
      { truckId: this.config.truckId, tripSeq: this.recorder.advisor.snapshot().tripSeq },
      'truck agent started',
    );
  }

  /** Stops everything it started; pending events stay in the outbox. */
  async stop(): Promise<void> {
    if (!this.started) {
      this.outbox.close();
      return;
    }
    this.started = false;
    this.notifier.stopping();
    for (const t of this.timers.splice(0)) clearInterval(t);
    await this.cabScreen?.stop();
    this.cabSource?.close();
    await Promise.all(this.ports.map((p) => p.stop()));
    if (this.board) await this.board.stop();
    if (this.boardPort) await this.boardPort.stop();
    if (this.display) await this.display.stop();
    await this.link.stop();
    this.outbox.close();
    this.log.info('truck agent stopped');
  }

  /** Device and link counters for `TruckStatus.health`. */
  deviceHealth(): Record<string, number> {
    const h: Record<string, number> = {};
    for (const p of this.ports) {
      const c = p.counters;
      h[`${p.role}BadFrames`] = c.badFrames;
      h[`${p.role}Reopens`] = c.reopens;
      h[`${p.role}Losses`] = c.losses;
    }
    if (this.boardPort) {
      h.lifterReopens = this.boardPort.reopens;
      h.lifterLosses = this.boardLosses;
    }
    const link = this.link.status();
    h.recordFailures = this.recordFailures;
    h.mqttConnectionLosses = link.connectionLosses;
    h.invalidCommands = link.invalidCommands;
    return h;
  }

  private tick(): void {
    try {
      this.recorder.tick();
      this.notifier.watchdog();
    } catch (e) {
      // An outbox failure (disk full, I/O error) must be seen; the watchdog then stops being fed.
      this.log.error({ err: (e as Error).message }, 'housekeeping failed');
    }
  }

  private createPorts(binding: SerialBinding | undefined): void {
    const d = this.config.devices;
    const lost = (role: string) => (cause: Error | null) => this.alert(role, cause);
    const guarded = <V>(fn: (v: V) => void) => this.guarded(fn);
    this.ports.push(
      new TruckDevicePort<TagRead>(
        'rfid',
        decoderFor(d.rfid.protocol, 'tag'),
        d.rfid.serial,
        guarded((t) => this.recorder.tag(t)),
        this.log.child({ name: 'edge:serial:rfid' }),
        binding,
        lost('rfid'),
      ) as TruckDevicePort<unknown>,
      new TruckDevicePort<WeightReading>(
        'indicator',
        decoderFor(d.indicator.protocol, 'weight'),
        d.indicator.serial,
        guarded((w) => this.recorder.weight(w)),
        this.log.child({ name: 'edge:serial:indicator' }),
        binding,
        lost('indicator'),
      ) as TruckDevicePort<unknown>,
    );
    if (d.gps) {
      this.ports.push(
        new TruckDevicePort<PositionFix>(
          'gps',
          decoderFor('nmea', 'position'),
          d.gps.serial,
          guarded((fix) => {
            const position = toPosition(fix);
            if (position) this.recorder.setPosition(position);
          }),
          this.log.child({ name: 'edge:serial:gps' }),
          binding,
          lost('gps'),
        ) as TruckDevicePort<unknown>,
      );
    }
  }

  private wireBoard(): void {
    const b = this.board;
    if (!b || !this.boardPort) return;
    b.on(
      'lifter',
      this.guarded((e) => this.recorder.lifter(e.signal, e.at)),
    );
    b.on(
      'pressure',
      this.guarded((p) => this.recorder.volume(p.fill)),
    );
    b.on(
      'tailgate',
      this.guarded((t) => {
        if (t.raised) this.recorder.unloaded('tailgate raised');
      }),
    );
    this.boardPort.on('lost', ({ cause }) => {
      this.boardLosses += 1;
      this.alert('lifter', cause);
    });
    let goUnload = false;
    this.recorder.on('advice', (a) => {
      goUnload = a.action === 'unload';
      b.show(goUnload ? 'goUnload' : 'off');
    });
    this.recorder.on('unknown-bin', () => b.show('unknownBin'));
    // The unknown-bin signal clears itself to "off": bring "go unload" back when it is due.
    b.on('ready', () => b.show(goUnload ? 'goUnload' : 'off'));
  }

  private boardLosses = 0;

  /**
   * Wraps an input handler: a failure to record (the outbox's disk full or failing) is logged
   * and counted (`recordFailures`), never thrown into the device's event loop.
   */
  private guarded<V>(fn: (v: V) => void): (v: V) => void {
    return (v: V) => {
      try {
        fn(v);
      } catch (e) {
        this.recordFailures += 1;
        this.log.error({ err: (e as Error).message }, 'input could not be recorded');
      }
    };
  }

  private recordFailures = 0;

  private alert(role: string, cause: Error | null): void {
    this.raise(
      'serial-device-lost',
      'warning',
      `${role} serial port lost${cause ? `: ${cause.message}` : ''}`,
    );
  }

  /** Books a `DeviceAlert`; a failure to store it is logged, never thrown. */
  private raise(kind: DeviceAlert['kind'], severity: DeviceAlert['severity'], detail: string): void {
    try {
      this.outbox.enqueue('truckAlert', {
        ts: new Date().toISOString(),
        deviceId: this.config.truckId,
        kind,
        severity,
        detail: detail.slice(0, 500),
      });
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'alert not stored');
    }
  }

  private wireAlerts(): void {
    this.recorder.on('clock-jump', (at) =>
      this.raise('clock-jump', 'warning', `wall clock jumped to ${new Date(at).toISOString()}`),
    );
    this.recorder.on('unknown-bin', (lift) =>
      this.raise(
        'unknown-bin',
        'info',
        lift.tag
          ? `tag ${lift.tag.id} is not on today's route`
          : `lift at ${lift.startedAt} with no readable tag`,
      ),
    );
  }
}

/** A usable position from a GNSS fix, or null (no fix: the last good position is kept). */
function toPosition(fix: PositionFix): Position | null {
  if (!fix.valid || fix.lat === null || fix.lon === null) return null;
  const p: Position = { lat: fix.lat, lon: fix.lon };
  if (fix.accuracyM !== null) p.accuracyM = fix.accuracyM;
  if (fix.fixAt !== null) p.fixAt = fix.fixAt;
  return p;
}
