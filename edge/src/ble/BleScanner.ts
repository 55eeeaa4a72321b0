/**
 * The BLE scanner: the only file of the gateway that touches noble. It turns noble's
 * `discover` events into per-packet `ScanReport`s (raw AD bytes, RSSI, address) and keeps
 * noble's memory bounded.
 *
 * Two noble behaviours are worked around here (@abandonware/noble 1.9.2):
 *
 * 1. noble merges advertisement fields across the packets of one address
 *    (`lib/hci-socket/gap.js` reuses one advertisement object: `manufacturerData`, `localName`
 *    and `txPowerLevel` keep earlier values; `serviceData` is reset on every non-scan-response
 *    packet but scan responses append to it). A beacon interleaving iBeacon and Eddystone-TLM
 *    from one address would otherwise be read as sending its iBeacon frame in every packet.
 *    gap.js allocates a new Buffer for every AD structure it parses, so a Buffer this scanner
 *    has already reported is stale: only Buffers not seen before are rebuilt into AD bytes
 *    (Manufacturer Specific Data 0xFF, Service Data 0x16/0x20/0x21). Names, flags and the Tx
 *    Power Level AD are not rebuilt (strings and numbers carry no identity; beacons do not
 *    need them).
 * 2. noble never forgets a peripheral (`Noble#_peripherals`, `_services`, `_characteristics`,
 *    `_descriptors`, `_discoveredPeripheralUUids`, and in the hci-socket binding
 *    `_gap._discoveries`, `_addresses`, `_addresseTypes`, `_connectable`, `scannable`): with
 *    phones rotating their random addresses every ~15 minutes memory grows until the process
 *    dies (noble/noble#636 "Memory Leak": out of memory after half a day next to a few hundred
 *    beacons). `purge()` deletes the entries of addresses not heard for `purgeAfterMs`.
 * 3. gap.js throws on malformed advertising data from any device in range — a Tx Power Level
 *    AD without its byte (`readInt8` RangeError), service data without any UUID byte
 *    (TypeError) — inside the HCI socket's event handler, so the process dies
 *    (noble/noble#677, #831; fixed in the stoprocent/noble fork by PR #69, not in
 *    @abandonware/noble 1.9.2-26). A radio neighbour could take the gateway down at will.
 *    `start()` wraps the binding's `_gap.parseServices`: a packet it cannot parse is counted
 *    (`stats.malformed`) and reported with no AD data instead of crashing.
 */
import { type Logger, pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import type { Clock } from '../gateway/Clock.js';
import type { NobleLike, NoblePeripheral } from './noble-types.js';

/** One advertising packet as the gateway sees it. */
export interface ScanReport {
  /** Upper-case `AA:BB:CC:DD:EE:FF`. Stays on the gateway unless the device is allowlisted. */
  address: string;
  addressType: string;
  /** dBm; null when the controller reported none (127) or an impossible value. */
  rssi: number | null;
  /** This packet's AD structures, rebuilt from noble's fields (see the file comment). */
  data: Uint8Array;
  atMs: number;
}

/** Scanner state, as `GatewayHealth.scanner` reports it. */
export type ScannerState = 'idle' | 'scanning' | 'restarting' | 'stalled' | 'no-adapter' | 'no-permission';

export interface BleScannerOptions {
  clock: Clock;
  onReport: (report: ScanReport) => void;
  /** The adapter went away (`no-adapter`) or came back and scanning resumed (`scanning`). */
  onStateChange?: (state: ScannerState) => void;
  /** A noble instance to use (the simulator's); by default the real one is loaded in `start()`. */
  noble?: NobleLike;
  /** `NOBLE_HCI_DEVICE_ID`: which adapter (hci0 = 0). */
  hciDeviceId?: number;
  /** Forget addresses not heard for this long (default 60 s). */
  purgeAfterMs?: number;
  /** Never track more addresses than this; the least recently heard go first (default 20,000). */
  maxTracked?: number;
  /** Turn the purge off (only to measure noble's growth in the benchmark). */
  purge?: boolean;
  /** How long to wait for the adapter to power on (default 10 s). */
  powerOnTimeoutMs?: number;
  logger?: Logger;
}

const SETCAP_FIX = 'sudo setcap cap_net_raw+eip $(eval readlink -f $(which node))';
/** Lowest and highest RSSI an HCI LE Advertising Report can carry (Core Vol 4 Part E §7.7.65.2). */
const RSSI_MIN = -127;
const RSSI_MAX = 20;

const FEAA_LE = [0xaa, 0xfe];

function hexLe(uuid: string): number[] | null {
  if (uuid === 'feaa') return FEAA_LE; // Eddystone: the common case, without parsing
  if (!/^[0-9a-f]+$/i.test(uuid) || ![4, 8, 32].includes(uuid.length)) return null;
  const bytes: number[] = [];
  for (let i = uuid.length - 2; i >= 0; i -= 2) bytes.push(Number.parseInt(uuid.slice(i, i + 2), 16));
  return bytes;
}

const SERVICE_DATA_TYPE: Record<number, number> = { 2: 0x16, 4: 0x20, 16: 0x21 };

export class BleScanner {
  #o: BleScannerOptions;
  #log: Logger;
  #noble: NobleLike | null;
  #state: ScannerState = 'idle';
  /** Buffers already reported: noble keeps stale ones on the merged advertisement. */
  #reported = new WeakSet<Buffer>();
  /** uuid → last heard, least recently heard first. */
  #lastHeard = new Map<string, { atMs: number; address: string }>();
  #stopPurge: (() => void) | null = null;
  #onDiscover = (p: NoblePeripheral) => this.#discover(p);
  /** A USB adapter unplugged or reset: noble goes `poweredOff`, then `poweredOn` when it is back. */
  #onAdapterState = (state: string) => {
    if (state !== 'poweredOn' && (this.#state === 'scanning' || this.#state === 'stalled')) {
      this.#state = 'no-adapter';
      this.#log.error({ state }, 'BLE adapter lost');
      this.#o.onStateChange?.('no-adapter');
    } else if (state === 'poweredOn' && this.#state === 'no-adapter' && this.#noble) {
      const noble = this.#noble;
      noble
        .startScanningAsync([], true)
        .then(() => {
          this.#state = 'scanning';
          this.#log.warn('BLE adapter back, scanning resumed');
          this.#o.onStateChange?.('scanning');
        })
        .catch((e: Error) => this.#log.error({ err: e.message }, 'could not resume scanning'));
    }
  };
  readonly stats = { advertisements: 0, badRssi: 0, purged: 0, restarts: 0, malformed: 0 };

  constructor(options: BleScannerOptions) {
    this.#o = options;
    this.#noble = options.noble ?? null;
    this.#log = options.logger ?? pino({ name: 'edge:ble:scanner', level: process.env.LOG_LEVEL ?? 'info' });
  }

  get state(): ScannerState {
    return this.#state;
  }

  /** Addresses the scanner (and noble, with the purge on) currently remembers. */
  get tracked(): number {
    return this.#lastHeard.size;
  }

  /** Entries in noble's own peripheral cache. */
  get nobleCacheSize(): number {
    return Object.keys(this.#noble?._peripherals ?? {}).length;
  }

  /**
   * Loads noble (lazily: without an adapter its module throws at load time), waits for the
   * adapter, and scans with duplicates (every packet reported). Throws `EdgeError`
   * `ble-no-adapter` / `ble-no-permission` with the fix in the message.
   */
  async start(): Promise<void> {
    if (this.#state === 'scanning') return;
    const noble = this.#noble ?? (await this.#loadNoble());
    this.#noble = noble;
    this.#guardParser(noble);
    await this.#poweredOn(noble);
    noble.on('discover', this.#onDiscover);
    noble.on('stateChange', this.#onAdapterState);
    await this.#within(noble.startScanningAsync([], true), 'start scanning');
    this.#state = 'scanning';
    if (this.#o.purge !== false && !this.#stopPurge) {
      const every = Math.max(1000, Math.floor((this.#o.purgeAfterMs ?? 60_000) / 2));
      this.#stopPurge = this.#o.clock.every(every, () => this.purge());
    }
    this.#log.info('BLE scanning started');
  }

  /** Stops and starts scanning again: the cure for a controller that went deaf. */
  async restart(): Promise<void> {
    const noble = this.#noble;
    if (!noble) return this.start();
    const before = this.#state;
    this.#state = 'restarting';
    this.stats.restarts += 1;
    try {
      // A controller in a bad state may never confirm: do not wait for it forever.
      await this.#within(noble.stopScanningAsync(), 'stop scanning');
      await this.#within(noble.startScanningAsync([], true), 'start scanning');
    } catch (e) {
      // Still no adapter (noble refuses to scan unless poweredOn): wait for it to come back.
      this.#state = before === 'no-adapter' ? 'no-adapter' : 'stalled';
      throw e;
    }
    this.#state = 'scanning';
    this.#log.warn({ restarts: this.stats.restarts }, 'BLE scanning restarted');
  }

  /** Marks the scanner stalled (the gateway's self-watch decides this). */
  markStalled(): void {
    if (this.#state === 'scanning') this.#state = 'stalled';
  }

  async stop(): Promise<void> {
    this.#stopPurge?.();
    this.#stopPurge = null;
    const noble = this.#noble;
    noble?.removeListener('discover', this.#onDiscover);
    noble?.removeListener('stateChange', this.#onAdapterState);
    if (noble && (this.#state === 'scanning' || this.#state === 'stalled')) await noble.stopScanningAsync();
    this.#state = 'idle';
  }

  /** Forgets addresses not heard for `purgeAfterMs`, in noble's caches too. Returns how many. */
  purge(nowMs = this.#o.clock.now()): number {
    const cutoff = nowMs - (this.#o.purgeAfterMs ?? 60_000);
    let n = 0;
    for (const [uuid, seen] of this.#lastHeard) {
      if (seen.atMs > cutoff) break; // least recently heard first: the rest are newer
      this.#forget(uuid, seen.address);
      n += 1;
    }
    // gap.js also caches connectable devices it never reported (one packet, no scan response):
    // whatever it holds that was not reported recently goes too.
    const pending = this.#noble?._bindings?._gap?._discoveries;
    if (pending) {
      for (const address of Object.keys(pending)) {
        if (!this.#lastHeard.has(address.split(':').join(''))) {
          delete pending[address];
          this.stats.purged += 1;
          n += 1;
        }
      }
    }
    return n;
  }

  #forget(uuid: string, address: string): void {
    this.#lastHeard.delete(uuid);
    this.stats.purged += 1;
    const noble = this.#noble;
    if (!noble) return;
    delete noble._peripherals?.[uuid];
    delete noble._services?.[uuid];
    delete noble._characteristics?.[uuid];
    delete noble._descriptors?.[uuid];
    delete noble._discoveredPeripheralUUids?.[uuid];
    const b = noble._bindings;
    if (b) {
      delete b._gap?._discoveries?.[address];
      delete b._addresses?.[uuid];
      delete b._addresseTypes?.[uuid];
      delete b._connectable?.[uuid];
      delete b.scannable?.[uuid];
    }
  }

  #discover(p: NoblePeripheral): void {
    const atMs = this.#o.clock.now();
    this.stats.advertisements += 1;
    if (this.#o.purge !== false) {
      this.#lastHeard.delete(p.id);
      this.#lastHeard.set(p.id, { atMs, address: p.address });
      const max = this.#o.maxTracked ?? 20_000;
      if (this.#lastHeard.size > max) {
        const oldest = this.#lastHeard.entries().next().value;
        if (oldest) this.#forget(oldest[0], oldest[1].address);
      }
    }
    let rssi: number | null = p.rssi;
    if (!Number.isInteger(rssi) || rssi < RSSI_MIN || rssi > RSSI_MAX) {
      this.stats.badRssi += 1;
      rssi = null;
    }
    this.#o.onReport({
      address: (p.address ?? '').toUpperCase(),
      addressType: p.addressType,
      rssi,
      data: this.#rebuild(p),
      atMs,
    });
  }

  /** AD bytes of this packet only: the Buffers noble created for it (see the file comment). */
  #rebuild(p: NoblePeripheral): Uint8Array {
    const adv = p.advertisement;
    const parts: { type: number; prefix: number[]; data: Buffer }[] = [];
    let size = 0;
    const m = adv.manufacturerData;
    if (m && !this.#reported.has(m) && m.length <= 253) {
      this.#reported.add(m);
      parts.push({ type: 0xff, prefix: [], data: m });
      size += 2 + m.length;
    }
    for (const s of adv.serviceData ?? []) {
      if (this.#reported.has(s.data)) continue;
      this.#reported.add(s.data);
      const uuid = hexLe(s.uuid);
      const type = uuid ? SERVICE_DATA_TYPE[uuid.length] : undefined;
      if (!uuid || type === undefined || uuid.length + s.data.length > 253) continue;
      parts.push({ type, prefix: uuid, data: s.data });
      size += 2 + uuid.length + s.data.length;
    }
    const out = new Uint8Array(size);
    let i = 0;
    for (const part of parts) {
      out[i] = 1 + part.prefix.length + part.data.length;
      out[i + 1] = part.type;
      out.set(part.prefix, i + 2);
      out.set(part.data, i + 2 + part.prefix.length);
      i += 2 + part.prefix.length + part.data.length;
    }
    return out;
  }

  /** `promise`, or a `ble-no-adapter` error when the adapter does not answer in 10 s. */
  #within<T>(promise: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.#o.clock.after(this.#o.powerOnTimeoutMs ?? 10_000, () =>
        reject(new EdgeError(EdgeErrorCode.BleNoAdapter, `the adapter did not ${what} in time`)),
      );
      promise.then(
        (v) => {
          cancel();
          resolve(v);
        },
        (e: unknown) => {
          cancel();
          reject(e);
        },
      );
    });
  }

  /** See point 3 of the file comment. */
  #guardParser(noble: NobleLike): void {
    const gap = noble._bindings?._gap;
    const parse = gap?.parseServices;
    if (!gap || typeof parse !== 'function' || (parse as { guarded?: boolean }).guarded) return;
    const guarded = (...args: unknown[]) => {
      try {
        return parse.apply(gap, args);
      } catch (e) {
        this.stats.malformed += 1;
        this.#log.debug({ err: (e as Error).message }, 'advertising data noble cannot parse');
        return {
          localName: undefined,
          txPowerLevel: undefined,
          manufacturerData: undefined,
          serviceData: [],
          serviceUuids: [],
          solicitationServiceUuids: [],
        };
      }
    };
    guarded.guarded = true;
    gap.parseServices = guarded;
  }

  async #loadNoble(): Promise<NobleLike> {
    if (this.#o.hciDeviceId !== undefined) process.env.NOBLE_HCI_DEVICE_ID = String(this.#o.hciDeviceId);
    try {
      // Dynamic import: the hci-socket binding opens the adapter when the module loads.
      const mod = (await import('@abandonware/noble')) as unknown as { default: NobleLike };
      return mod.default;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPERM' || code === 'EACCES') throw this.#noPermission(e);
      throw new EdgeError(
        EdgeErrorCode.BleNoAdapter,
        `no Bluetooth adapter (${code ?? (e as Error).message}): plug one in or pick another with ` +
          'NOBLE_HCI_DEVICE_ID=<n> (scanner.hciDeviceId); check `hciconfig -a`',
        { cause: e },
      );
    }
  }

  #noPermission(cause?: unknown): EdgeError {
    this.#state = 'no-permission';
    return new EdgeError(
      EdgeErrorCode.BleNoPermission,
      `no permission for raw HCI sockets: run \`${SETCAP_FIX}\`, or run the systemd unit ` +
        '(AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)',
      { cause },
    );
  }

  #poweredOn(noble: NobleLike): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (state: string): boolean => {
        if (state === 'poweredOn') {
          resolve();
          return true;
        }
        if (state === 'unauthorized') {
          reject(this.#noPermission());
          return true;
        }
        if (state === 'unsupported') {
          this.#state = 'no-adapter';
          reject(
            new EdgeError(
              EdgeErrorCode.BleNoAdapter,
              'the adapter does not support Bluetooth Low Energy: pick another with NOBLE_HCI_DEVICE_ID=<n>',
            ),
          );
          return true;
        }
        return false;
      };
      const onState = (state: string) => {
        if (check(state)) done();
      };
      // noble opens the adapter on the first 'stateChange' listener, inside a try/catch that
      // turns a failure (bindRaw: ENODEV, no hci<n>) into a 'warning' and leaves the state
      // 'unknown' for ever (lib/noble.js, 1.9.2-26): without this the cause would be lost and
      // the gateway would wait for the power-on timeout.
      const onWarning = (message: unknown) => {
        done();
        this.#state = 'no-adapter';
        reject(
          new EdgeError(
            EdgeErrorCode.BleNoAdapter,
            `the adapter could not be opened (noble: ${String(message)}): plug one in, or pick another ` +
              'with NOBLE_HCI_DEVICE_ID=<n> (scanner.hciDeviceId); check `hciconfig -a`',
          ),
        );
      };
      const done = () => {
        cancel();
        noble.removeListener('stateChange', onState);
        noble.removeListener('warning', onWarning);
      };
      const cancel = this.#o.clock.after(this.#o.powerOnTimeoutMs ?? 10_000, () => {
        noble.removeListener('stateChange', onState);
        noble.removeListener('warning', onWarning);
        this.#state = 'no-adapter';
        reject(
          new EdgeError(
            EdgeErrorCode.BleNoAdapter,
            `adapter not powered on (state ${noble.state}): \`sudo hciconfig hci0 up\`, \`rfkill unblock bluetooth\`, ` +
              'or NOBLE_HCI_DEVICE_ID=<n>',
          ),
        );
      });
      noble.on('warning', onWarning);
      noble.on('stateChange', onState);
      // Reading `state` initialises the binding when nobody listened before.
      if (check(noble.state)) done();
    });
  }
}
