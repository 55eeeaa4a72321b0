import {
  PROTOCOL_NAMES,
  PROTOCOLS,
  isProtocolName,
  protocolsOfKind,
} from '@releve/shared/protocols/registry';
import type { DecodedFrame } from '@releve/shared/protocols/types';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { EdgeError } from '../errors.js';
import { SerialTransport } from '../serial/SerialTransport.js';
import { TruckAgent } from '../truck/TruckAgent.js';
import { loadTruckConfig } from '../truck/TruckConfig.js';

/** Protocol names per device role, from the registry. */
export const TRUCK_PROTOCOLS = { rfid: protocolsOfKind('tag'), indicator: protocolsOfKind('weight') };

/** One JSON line per decoded frame, bad frames included (`ok:false`, reason, hex). */
export function frameToJson(frame: DecodedFrame<unknown>): string {
  const hex = Buffer.from(frame.raw).toString('hex');
  return JSON.stringify(
    frame.ok ? { ok: true, value: frame.value, hex } : { ok: false, reason: frame.reason, hex },
  );
}

function protocolList(): string {
  return PROTOCOL_NAMES.map(
    (n) => `  ${n.padEnd(16)} ${PROTOCOLS[n].kind.padEnd(8)} ${PROTOCOLS[n].description}`,
  ).join('\n');
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** `releve-truck`: run the truck agent, check its config, decode device bytes. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('releve-truck').description('Relevé truck agent').exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('check-config')
    .argument('<file>', 'YAML or JSON config file')
    .description('Check a config file and report every problem at once')
    .action((file: string) => {
      try {
        const cfg = loadTruckConfig(file, { protocols: TRUCK_PROTOCOLS, checkFiles: true });
        process.stdout.write(`${file}: OK (truck ${cfg.truckId}, data in ${cfg.dataDir})\n`);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('decode')
    .description('Decode raw device bytes (stdin, or a serial port) into one JSON object per frame')
    .requiredOption('--protocol <name>', 'protocol name (listed below)')
    .option('--port <tty>', 'read this serial port instead of stdin')
    .option('--baud <n>', 'baud rate (default: the protocol’s usual one)', positiveInt)
    .addHelpText('after', `\nProtocols:\n${protocolList()}\n`)
    .action(async (opts: { protocol: string; port?: string; baud?: number }) => {
      if (!isProtocolName(opts.protocol)) {
        process.stderr.write(`unknown protocol "${opts.protocol}"; one of: ${PROTOCOL_NAMES.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      const entry = PROTOCOLS[opts.protocol];
      const decoder = entry.createDecoder();
      const emit = (chunk: Uint8Array) => {
        for (const f of decoder.push(chunk)) process.stdout.write(`${frameToJson(f)}\n`);
      };
      if (!opts.port) {
        for await (const chunk of process.stdin) emit(chunk as Buffer);
        return;
      }
      const port = new SerialTransport(
        { ...entry.serial, path: opts.port, baudRate: opts.baud ?? entry.serial.baudRate },
        { logger: pino({ name: 'edge:decode', level: 'warn' }, process.stderr) },
      );
      port.on('data', emit);
      port.on('open', () => decoder.reset());
      port.start();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await port.stop();
    });

  program
    .command('run')
    .description('Run the truck agent')
    .requiredOption('--config <file>', 'YAML or JSON config file')
    .action(async (opts: { config: string }) => {
      const log = pino({ name: 'edge:truck', level: process.env.LOG_LEVEL ?? 'info' });
      let agent: TruckAgent;
      try {
        agent = new TruckAgent({
          config: loadTruckConfig(opts.config, { protocols: TRUCK_PROTOCOLS }),
          logger: log,
        });
      } catch (e) {
        if (!(e instanceof EdgeError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 1;
        return;
      }
      // Signals are listened to before starting, so a stop during start-up is still clean.
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await agent.start();
      await stopRequested;
      await agent.stop();
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (code === undefined) throw e;
    process.exitCode = code;
  }
}
