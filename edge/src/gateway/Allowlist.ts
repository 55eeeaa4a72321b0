/**
 * The beacons this gateway reports, from the cloud's retained `BeaconAllowlistCommand`. The
 * last one is kept in `<dataDir>/allowlist.json` (atomic replace) so a gateway that restarts
 * without network still knows its beacons. Only what the cloud sent is written: nothing about
 * devices the gateway merely heard.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type AllowlistedBeacon, BeaconAllowlistCommand } from '@releve/shared';
import type { Logger } from 'pino';

export class Allowlist {
  #file: string;
  #log: Logger;
  #version = 0;
  #byId = new Map<string, AllowlistedBeacon>();
  #byAddress = new Map<string, AllowlistedBeacon>();

  constructor(dataDir: string, log: Logger) {
    mkdirSync(dataDir, { recursive: true });
    this.#file = join(dataDir, 'allowlist.json');
    this.#log = log;
    this.#load();
  }

  /** Version of the command in force (0: none yet). */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Every allowlisted beacon id. */
  ids(): IterableIterator<string> {
    return this.#byId.keys();
  }

  get(beaconId: string): AllowlistedBeacon | undefined {
    return this.#byId.get(beaconId);
  }

  /** The allowlisted beacon expected at this (upper-case) address. */
  atAddress(address: string): AllowlistedBeacon | undefined {
    return this.#byAddress.get(address);
  }

  /** Applies a command newer than the one in force and persists it; false if it was not newer. */
  apply(command: BeaconAllowlistCommand): boolean {
    if (command.version <= this.#version) return false;
    this.#set(command);
    const tmp = `${this.#file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(command));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#file);
    this.#log.info({ version: command.version, beacons: command.beacons.length }, 'allowlist applied');
    return true;
  }

  #set(command: BeaconAllowlistCommand): void {
    this.#version = command.version;
    this.#byId = new Map(command.beacons.map((b) => [b.beaconId, b]));
    this.#byAddress = new Map(command.beacons.filter((b) => b.address).map((b) => [b.address as string, b]));
  }

  #load(): void {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch {
      return; // first start: the cloud's retained command will come
    }
    try {
      const r = BeaconAllowlistCommand.safeParse(JSON.parse(text));
      if (!r.success) throw new Error(r.error.issues[0]?.message ?? 'schema');
      this.#set(r.data);
      this.#log.info(
        { version: r.data.version, beacons: r.data.beacons.length },
        'allowlist loaded from disk',
      );
    } catch (e) {
      this.#log.error(
        { err: (e as Error).message, file: this.#file },
        'stored allowlist unreadable, ignored',
      );
    }
  }
}
