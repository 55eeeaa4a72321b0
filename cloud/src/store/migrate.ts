import type Database from 'better-sqlite3';
import { CloudError, CloudErrorCode } from '../errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to `target` (default: the latest), one transaction per migration, each
 * setting `PRAGMA user_version`. A database newer than this code is refused rather than
 * written to. Returns the versions applied.
 */
export function migrate(
  db: Database.Database,
  target: number = SCHEMA_VERSION,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new CloudError(
        CloudErrorCode.StoreMigration,
        `migration ${m.name} is numbered ${m.version}, expected ${i + 1}`,
      );
    }
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new CloudError(
      CloudErrorCode.StoreMigration,
      `database schema version ${current} is newer than this program (${migrations.length}); upgrade the program`,
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (e) {
      throw new CloudError(
        CloudErrorCode.StoreMigration,
        `migration ${m.version} (${m.name}) failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
    applied.push(m.version);
  }
  return applied;
}
