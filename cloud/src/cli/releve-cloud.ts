import { Command } from 'commander';
import { tokenCommand } from '../auth/tokenCommand.js';
import { billingCommand } from '../billing/billingCommand.js';
import { citizenCommand } from '../billing/citizenCommand.js';
import { CloudError } from '../errors.js';
import { registryCommand } from '../registry/registryCommand.js';
import { deviceCommand, userCommand } from './credentialCommands.js';
import { demoCommand } from './demoCommand.js';
import { serveCommand } from './serveCommand.js';

/** The `releve-cloud` command tree. Other features add their subcommands here. */
export function buildProgram(): Command {
  return new Command('releve-cloud')
    .description('Relevé cloud: MQTT broker, ingest, storage, billing and HTTP API')
    .addCommand(serveCommand())
    .addCommand(demoCommand())
    .addCommand(deviceCommand())
    .addCommand(userCommand())
    .addCommand(tokenCommand())
    .addCommand(registryCommand())
    .addCommand(billingCommand())
    .addCommand(citizenCommand())
    .showHelpAfterError();
}

/** Entry point of `bin/releve-cloud.js`. A `CloudError` ends the process with its message, not a stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CloudError) {
      process.stderr.write(`releve-cloud: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
