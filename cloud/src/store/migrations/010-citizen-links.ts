import type { Migration } from './Migration.js';

/**
 * Revoked citizen links (`cloud/src/billing/CitizenLinks.ts`). A household's link is a MAC of
 * its id and of its link generation; revoking the link raises the generation, so the old link
 * opens nothing and a new one can be given. A household without a row is at generation 0
 * (the links given before this migration stay valid).
 */
export const citizenLinksMigration: Migration = {
  version: 10,
  name: 'citizen-links',
  sql: `
CREATE TABLE citizen_links (
  household_id TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  revoked_at TEXT NOT NULL
) STRICT;
`,
};
