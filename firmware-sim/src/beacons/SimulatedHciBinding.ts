/**
 * A noble binding that stands in for `lib/hci-socket/bindings.js` of @abandonware/noble
 * 1.9.2: it receives LE Advertising Reports (raw AD bytes, as a controller sends them) and
 * emits the events noble's `Noble` class listens to ('stateChange', 'scanStart', 'scanStop',
 * 'discover'(uuid, address, addressType, connectable, advertisement, rssi, scannable)).
 *
 * `AdvertisementMerger` reproduces `lib/hci-socket/gap.js`: one advertisement object per
 * address, reused across packets, so `localName`, `txPowerLevel` and `manufacturerData` keep
 * values from earlier packets while `serviceData`/`serviceUuids` are reset on every
 * non-scan-response packet; connectable devices are reported only after a scan response or a
 * second packet. The caches keep the field names of the real binding (`_gap._discoveries`,
 * `_addresses`, `_addresseTypes`, `_connectable`, `scannable`) and leak the same way, so a
 * purge that works on the real binding is exercised here.
 */
import { EventEmitter } from 'node:events';

/** HCI LE Advertising Report event types (Core Vol 4 Part E §7.7.65.2). */
export const AdvEventType = {
  /** ADV_IND: connectable, scannable. */
  Connectable: 0x00,
  /** ADV_SCAN_IND: scannable, not connectable. */
  Scannable: 0x02,
  /** ADV_NONCONN_IND: what beacons send. */
  NonConnectable: 0x03,
  /** SCAN_RSP. */
  ScanResponse: 0x04,
} as const;

/** One LE Advertising Report as the controller delivers it. */
export interface AdvertisingReport {
  eventType: number;
  /** Lower-case, colon-separated, as noble's hci layer formats it. */
  address: string;
  addressType: 'public' | 'random';
  /** The packet's AD bytes. */
  data: Uint8Array;
  rssi: number;
}

/** The advertisement object noble hands out (`peripheral.advertisement`). */
export interface NobleAdvertisement {
  localName: string | undefined;
  txPowerLevel: number | undefined;
  manufacturerData: Buffer | undefined;
  serviceData: { uuid: string; data: Buffer }[];
  serviceUuids: string[];
  solicitationServiceUuids: string[];
  serviceSolicitationUuids?: string[];
}

interface Discovery {
  address: string;
  addressType: string;
  connectable: boolean;
  advertisement: NobleAdvertisement;
  rssi: number;
  count: number;
  hasScanResponse: boolean;
}

/**
 * gap.js turns UUID bytes around with `.toString('hex').match(/.{1,2}/g).reverse()`: on empty
 * bytes `match` returns null and the call throws a TypeError, reproduced here (a service-data
 * AD with no byte after its type crashes noble 1.9.2; see `BleScanner`'s parser guard).
 */
function leUuid(b: Buffer): string {
  const pairs = b.toString('hex').match(/.{1,2}/g);
  if (!pairs) throw new TypeError("Cannot read properties of null (reading 'reverse')");
  return pairs.reverse().join('');
}

/** The per-address merging of noble's gap.js (see the file comment). */
export class AdvertisementMerger extends EventEmitter {
  _discoveries: Record<string, Discovery> = {};

  report(r: AdvertisingReport): void {
    const previous = this._discoveries[r.address];
    const isScanResponse = r.eventType === AdvEventType.ScanResponse;
    const count = (previous?.count ?? 0) + 1;
    const hasScanResponse = (previous?.hasScanResponse ?? false) || isScanResponse;
    const advertisement = this.parseServices(
      r.address,
      Buffer.from(r.data),
      previous !== undefined,
      r.eventType,
    );
    const connectable =
      isScanResponse && previous ? previous.connectable : r.eventType !== AdvEventType.NonConnectable;
    const scannable = r.eventType === AdvEventType.Scannable;
    this._discoveries[r.address] = {
      address: r.address,
      addressType: r.addressType,
      connectable,
      advertisement,
      rssi: r.rssi,
      count,
      hasScanResponse,
    };
    if (isScanResponse || !connectable || (count > 1 && !hasScanResponse)) {
      this.emit('discover', 0, r.address, r.addressType, connectable, advertisement, r.rssi, scannable);
    }
  }

  /**
   * gap.js `parseServices(address, eir, previouslyDiscovered, leMetaEventType)`, same name and
   * arguments so code that wraps the real one wraps this one. Throws where gap.js throws
   * (Tx Power Level AD without a byte: `readInt8` RangeError; service data without any UUID
   * byte: TypeError).
   */
  parseServices(
    address: string,
    eir: Buffer,
    previouslyDiscovered: boolean,
    eventType: number,
  ): NobleAdvertisement {
    const isScanResponse = eventType === AdvEventType.ScanResponse;
    const previous = previouslyDiscovered ? this._discoveries[address]?.advertisement : undefined;
    const adv: NobleAdvertisement = previous ?? {
      localName: undefined,
      txPowerLevel: undefined,
      manufacturerData: undefined,
      serviceData: [],
      serviceUuids: [],
      solicitationServiceUuids: [],
    };
    if (!isScanResponse) {
      adv.serviceData = [];
      adv.serviceUuids = [];
      adv.serviceSolicitationUuids = [];
    }
    let i = 0;
    while (i + 1 < eir.length) {
      const length = eir.readUInt8(i);
      if (length < 1 || i + length + 1 > eir.length) break;
      const type = eir.readUInt8(i + 1);
      const bytes = eir.subarray(i + 2, i + 1 + length);
      switch (type) {
        case 0x02:
        case 0x03:
          for (let j = 0; j < bytes.length - 1; j += 2) {
            const u = bytes.readUInt16LE(j).toString(16);
            if (!adv.serviceUuids.includes(u)) adv.serviceUuids.push(u);
          }
          break;
        case 0x06:
        case 0x07:
          for (let j = 0; j < bytes.length - 15; j += 16) {
            const u = leUuid(bytes.subarray(j, j + 16));
            if (!adv.serviceUuids.includes(u)) adv.serviceUuids.push(u);
          }
          break;
        case 0x08:
        case 0x09:
          adv.localName = bytes.toString('utf8');
          break;
        case 0x0a:
          adv.txPowerLevel = bytes.readInt8(0);
          break;
        case 0x16:
          adv.serviceData.push({ uuid: leUuid(bytes.subarray(0, 2)), data: bytes.subarray(2) });
          break;
        case 0x20:
          adv.serviceData.push({ uuid: leUuid(bytes.subarray(0, 4)), data: bytes.subarray(4) });
          break;
        case 0x21:
          adv.serviceData.push({ uuid: leUuid(bytes.subarray(0, 16)), data: bytes.subarray(16) });
          break;
        case 0xff:
          adv.manufacturerData = bytes;
          break;
        default:
          break;
      }
      i += length + 1;
    }
    return adv;
  }
}

/** What the simulated adapter does when noble initialises it. */
export type AdapterBehaviour = 'poweredOn' | 'unauthorized' | 'unsupported' | 'poweredOff';

/** The noble binding. Feed it with `report()`; it delivers only while scanning. */
export class SimulatedHciBinding extends EventEmitter {
  _gap = new AdvertisementMerger();
  _addresses: Record<string, string> = {};
  _addresseTypes: Record<string, string> = {};
  _connectable: Record<string, boolean> = {};
  scannable: Record<string, boolean> = {};
  #scanning = false;
  #deaf = false;
  /** Reports delivered to noble / dropped because not scanning or deaf. */
  readonly stats = { delivered: 0, dropped: 0, scanStarts: 0 };

  constructor(private readonly behaviour: AdapterBehaviour = 'poweredOn') {
    super();
    this._gap.on(
      'discover',
      (_status, address: string, addressType, connectable, advertisement, rssi, scannable) => {
        const uuid = address.split(':').join('');
        this._addresses[uuid] = address;
        this._addresseTypes[uuid] = addressType;
        this._connectable[uuid] = connectable;
        this.scannable[uuid] = scannable;
        this.emit('discover', uuid, address, addressType, connectable, advertisement, rssi, scannable);
      },
    );
  }

  get scanning(): boolean {
    return this.#scanning;
  }

  init(): void {
    process.nextTick(() => this.emit('stateChange', this.behaviour));
  }

  setScanParameters(): void {
    process.nextTick(() => this.emit('scanParametersSet'));
  }

  startScanning(): void {
    this.#scanning = true;
    this.#deaf = false;
    this.stats.scanStarts += 1;
    process.nextTick(() => this.emit('scanStart', false));
  }

  stopScanning(): void {
    this.#scanning = false;
    process.nextTick(() => this.emit('scanStop'));
  }

  /**
   * The failure every BLE→MQTT gateway meets: the controller keeps "scanning" but reports
   * nothing until scanning is restarted.
   */
  goDeaf(): void {
    this.#deaf = true;
  }

  /** A controller's advertising report. */
  report(r: AdvertisingReport): void {
    if (!this.#scanning || this.#deaf) {
      this.stats.dropped += 1;
      return;
    }
    this.stats.delivered += 1;
    this._gap.report(r);
  }

  reset(): void {}
  connect(): void {}
  disconnect(): void {}
  cancelConnect(): void {}
  updateRssi(): void {}
}
