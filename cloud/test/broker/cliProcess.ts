import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI shim, run exactly as `npx releve-cloud` runs it. */
export const BIN = fileURLToPath(new URL('../../bin/releve-cloud.js', import.meta.url));

/** A running `releve-cloud` process with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** Starts `releve-cloud <args>`; the caller stops it (SIGINT) or waits for `exited`. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Runs `releve-cloud <args>` to the end. */
export async function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = startCli(args);
  const code = await p.exited;
  return { code, out: p.out(), err: p.err() };
}

/** The value after `label` in a line of the CLI's credential output (`password   …`). */
export function field(output: string, label: string): string {
  const m = new RegExp(`^${label}\\s+(\\S+)$`, 'm').exec(output);
  if (!m?.[1]) throw new Error(`no ${label} in output:\n${output}`);
  return m[1];
}
