/** One numbered, forward-only schema change of the store. */
export interface Migration {
  /** 1, 2, 3…: `PRAGMA user_version` holds the last one applied. */
  version: number;
  name: string;
  /** SQL run in one transaction with the version bump. */
  sql: string;
}
