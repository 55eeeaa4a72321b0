/**
 * `@releve/shared`: the MQTT contract (topics and message schemas) and pure protocol code.
 * Protocol decoders are imported by path (`@releve/shared/protocols/…`) so a consumer loads
 * only what it uses.
 */
export * from './contract/index.js';
export * from './errors.js';
