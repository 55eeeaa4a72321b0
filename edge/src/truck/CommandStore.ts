import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RouteCommand, TruckConfigCommand } from '@releve/shared';
import { writeJsonAtomic } from './TripStore.js';

/**
 * The last route and config commands the cloud sent (`commands.json` in the data directory), so
 * that an agent restarted without network still knows today's route and its settings. Commands
 * carry a monotonic `version`: anything older than what is kept is ignored.
 */
export class CommandStore {
  readonly file: string;
  private route: RouteCommand | null = null;
  private config: TruckConfigCommand | null = null;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'commands.json');
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { route?: unknown; config?: unknown };
      this.route = RouteCommand.nullable()
        .catch(null)
        .parse(saved.route ?? null);
      this.config = TruckConfigCommand.nullable()
        .catch(null)
        .parse(saved.config ?? null);
    } catch {
      // No file yet, or unreadable: start without commands; the broker's retained ones come at connect.
    }
  }

  /** Today's route, if any. */
  get currentRoute(): RouteCommand | null {
    return this.route;
  }

  /** The cloud's config overrides, if any. */
  get currentConfig(): TruckConfigCommand | null {
    return this.config;
  }

  /** Keeps a route command when it is newer than the one held; returns whether it was taken. */
  offerRoute(cmd: RouteCommand): boolean {
    if (this.route && cmd.version <= this.route.version) return false;
    this.route = cmd;
    this.save();
    return true;
  }

  /** Keeps a config command when it is newer than the one held; returns whether it was taken. */
  offerConfig(cmd: TruckConfigCommand): boolean {
    if (this.config && cmd.version <= this.config.version) return false;
    this.config = cmd;
    this.save();
    return true;
  }

  private save(): void {
    writeJsonAtomic(this.file, { route: this.route, config: this.config });
  }
}
