import { Command, Option } from 'commander';
import { Store } from '../store/Store.js';
import {
  type BillingProgress,
  exportPeriod,
  loadTariffFile,
  PARALLEL_MIN_LIFTS,
  runPeriod,
} from './BillingExport.js';

/** A one-line progress bar on a terminal; nothing when output is piped. */
function terminalProgress(stream: NodeJS.WriteStream): BillingProgress | undefined {
  if (!stream.isTTY) return undefined;
  return (phase, done, total) => {
    const width = 30;
    const filled = Math.min(width, Math.round((done / Math.max(total, 1)) * width));
    stream.write(
      `\r${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}   `,
    );
    if (phase === 'write' && done === total) stream.write('\n');
  };
}

/** `releve-cloud billing …`: run a period, export the billing office's files. */
export function billingCommand(): Command {
  const billing = new Command('billing').description(
    'Incentive billing: run a period, export charge files (docs/billing.md)',
  );
  const common = (c: Command) =>
    c
      .requiredOption('--period <id>', 'billing period: 2026, 2026-H1, 2026-T2, 2026-Q3 or 2026-07')
      .requiredOption('--tariff <file>', 'tariff plan file (YAML or JSON, see docs/billing.md)')
      .option('--data-dir <dir>', 'cloud data directory holding the store', '.data')
      .addOption(
        new Option(
          '--threads <n>',
          'threads reading a large period (2 helps where cores do not share memory bandwidth)',
        )
          .choices(['1', '2'])
          .default('1'),
      );
  common(billing.command('export'))
    .description('write charges, review queue and control file for a closed period')
    .addOption(new Option('--format <format>', 'charges file format').choices(['csv', 'json']).default('csv'))
    .addOption(
      new Option('--dialect <dialect>', 'CSV dialect: excel-fr = ";" separator, UTF-8 BOM, decimal comma')
        .choices(['standard', 'excel-fr'])
        .default('standard'),
    )
    .option('--out <dir>', 'output directory', 'billing-export')
    .action(
      (o: {
        period: string;
        tariff: string;
        dataDir: string;
        format: 'csv' | 'json';
        dialect: 'standard' | 'excel-fr';
        out: string;
        threads: '1' | '2';
      }) => {
        const store = Store.open({ dataDir: o.dataDir });
        try {
          const { files, run } = exportPeriod(store.db, {
            periodId: o.period,
            tariff: loadTariffFile(o.tariff),
            outDir: o.out,
            format: o.format,
            dialect: o.dialect,
            parallelMinLifts: o.threads === '2' ? PARALLEL_MIN_LIFTS : undefined,
            progress: terminalProgress(process.stderr),
          });
          for (const f of files) console.log(f);
          console.log(
            `${run.totals.lines} lines, ${run.totals.accounts} accounts, ${(run.totals.amountCents / 100).toFixed(2)} EUR; lifts: ${run.totals.liftsBilled} billed + ${run.totals.liftsExcluded} for review = ${run.totals.liftsInPeriod} in period`,
          );
        } finally {
          store.close();
        }
      },
    );
  common(billing.command('preview'))
    .description('compute a period (open periods too, as a projection) and print its totals as JSON')
    .action((o: { period: string; tariff: string; dataDir: string; threads: '1' | '2' }) => {
      const store = Store.open({ dataDir: o.dataDir });
      try {
        const run = runPeriod(store.db, {
          periodId: o.period,
          tariff: loadTariffFile(o.tariff),
          provisional: true,
          parallelMinLifts: o.threads === '2' ? PARALLEL_MIN_LIFTS : undefined,
          progress: terminalProgress(process.stderr),
        });
        console.log(
          JSON.stringify(
            {
              period: run.periodId,
              provisional: run.provisional,
              totals: run.totals,
              review: run.review.length,
            },
            null,
            2,
          ),
        );
      } finally {
        store.close();
      }
    });
  billing
    .command('seal')
    .description(
      'seal every complete block of 8,192 lifts not sealed yet (the writer seals them as lifts arrive; after upgrading a store full of lifts, this does it at once)',
    )
    .option('--data-dir <dir>', 'cloud data directory holding the store', '.data')
    .action((o: { dataDir: string }) => {
      const store = Store.open({ dataDir: o.dataDir });
      try {
        const t0 = performance.now();
        const sealed = store.sealLiftBlocks();
        console.log(`${sealed} blocks sealed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } finally {
        store.close();
      }
    });
  return billing;
}
