/** Simulated BLE beacons, phones and a noble binding fed with their raw advertising bytes. */
export * from './frames.js';
export * from './noble.js';
export * from './RadioField.js';
export * from './SimulatedBeacon.js';
export * from './SimulatedHciBinding.js';
export * from './SimulatedPhone.js';
export * from './SimulatedZone.js';
export * from './VirtualClock.js';
