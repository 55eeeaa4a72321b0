/**
 * Simulated truck serial devices speaking the real bytes: RFID readers, weighing indicators
 * and a GNSS receiver, driven by a `DeviceClock`.
 */
export * from './DeviceClock.js';
export * from './GpsSim.js';
export * from './IndicatorScale.js';
export * from './LoadScenario.js';
export * from './RfidReaderSim.js';
export * from './SeededRandom.js';
export * from './SentLog.js';
export * from './WeighingIndicatorSim.js';
