/**
 * BLE beacon decoders: `import { decodeAdvertisement } from '@releve/shared/protocols/ble/index'`.
 * Pure: bytes in, typed frames or coded errors out; no I/O, no Node-only imports.
 */
export * from './ad-structures.js';
export * from './altbeacon.js';
export * from './beacon-frames.js';
export * from './eddystone.js';
export * from './ibeacon.js';
export * from './result.js';
