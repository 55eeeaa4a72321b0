/**
 * Every truck-device frame encoder in one import, for the simulated devices and tests:
 * RFID (EM4100, FDX-B binary and ASCII), weighing indicators (ST,GS, Toledo, MT-SICS) and
 * NMEA (RMC, GGA).
 */
export * from './nmea-encoders.js';
export * from './rfid-encoders.js';
export * from './weight-encoders.js';
