/**
 * noble's real `Noble` class on a custom binding. @abandonware/noble has no typings for
 * `with-bindings`, so it is loaded through `createRequire` and given a minimal type here.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { SimulatedHciBinding } from './SimulatedHciBinding.js';

const require = createRequire(import.meta.url);

/** The part of noble's `Noble` the gateway and the tests use. */
export interface NobleInstance extends EventEmitter {
  readonly state: string;
  _peripherals: Record<string, unknown>;
  _discoveredPeripheralUUids: Record<string, boolean>;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

/** A real `Noble` (from `@abandonware/noble/with-bindings`) driving the given binding. */
export function createNoble(binding: SimulatedHciBinding): NobleInstance {
  const withBindings = require('@abandonware/noble/with-bindings') as (b: unknown) => NobleInstance;
  return withBindings(binding);
}
