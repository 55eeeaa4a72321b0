/**
 * The part of @abandonware/noble 1.9.2 the scanner uses. noble's own `index.d.ts` does not
 * describe `with-bindings` nor the caches the scanner has to purge, so this is the contract,
 * checked against `lib/noble.js`, `lib/peripheral.js` and `lib/hci-socket/{bindings,gap}.js`.
 */
import type { EventEmitter } from 'node:events';

/** `peripheral.advertisement`: fields MERGED across packets of one address by noble. */
export interface NobleAdvertisement {
  localName?: string;
  txPowerLevel?: number;
  manufacturerData?: Buffer;
  serviceData?: { uuid: string; data: Buffer }[];
  serviceUuids?: string[];
}

/** A noble `Peripheral`; noble reuses one object per address and updates it in place. */
export interface NoblePeripheral {
  id: string;
  address: string;
  addressType: string;
  connectable?: boolean;
  rssi: number;
  advertisement: NobleAdvertisement;
}

/** Caches of the hci-socket binding that grow with every address (see `BleScanner.purge`). */
export interface NobleHciBindingCaches {
  _gap?: {
    _discoveries?: Record<string, unknown>;
    /** gap.js's AD parser (`parseServices(address, eir, previouslyDiscovered, type, txpower?)`). */
    parseServices?: (...args: unknown[]) => unknown;
  };
  _addresses?: Record<string, string>;
  _addresseTypes?: Record<string, string>;
  _connectable?: Record<string, boolean>;
  scannable?: Record<string, boolean>;
}

/** noble's `Noble` instance. */
export interface NobleLike extends EventEmitter {
  readonly state: string;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  _peripherals?: Record<string, unknown>;
  _services?: Record<string, unknown>;
  _characteristics?: Record<string, unknown>;
  _descriptors?: Record<string, unknown>;
  _discoveredPeripheralUUids?: Record<string, boolean>;
  _bindings?: NobleHciBindingCaches;
}
