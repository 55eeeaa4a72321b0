/** Test support shared by every package's tests (not used by production code). */
export * from './ports.js';
export * from './processes.js';
export * from './services.js';
