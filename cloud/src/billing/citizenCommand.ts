import { Command } from 'commander';
import { Store } from '../store/Store.js';
import { CitizenLinks } from './CitizenLinks.js';

/** `releve-cloud citizen …`: revoke one household's secret link, or every link at once. */
export function citizenCommand(): Command {
  const citizen = new Command('citizen').description(
    "Citizens' secret links to their household's statement (docs/billing.md)",
  );
  citizen
    .command('revoke')
    .description(
      "revoke one household's link: it opens nothing any more, and the next link given is a new one",
    )
    .argument('<householdId>', 'the household (account id)')
    .option('--data-dir <dir>', 'cloud data directory holding the store', '.data')
    .action((householdId: string, o: { dataDir: string }) => {
      const store = Store.open({ dataDir: o.dataDir });
      try {
        const revocations = new CitizenLinks(o.dataDir, store.db).revoke(householdId);
        console.log(
          `link of ${householdId} revoked (${revocations} revocation${revocations > 1 ? 's' : ''} so far); ` +
            `POST /api/v1/billing/households/${householdId}/citizen-link gives a new one`,
        );
      } finally {
        store.close();
      }
    });
  citizen
    .command('rotate')
    .description('replace the key of citizen links: every link given so far stops working')
    .option('--data-dir <dir>', 'cloud data directory holding the store', '.data')
    .action((o: { dataDir: string }) => {
      CitizenLinks.rotate(o.dataDir);
      console.log('key of citizen links replaced: every link given so far opens nothing');
    });
  return citizen;
}
