import { spawn } from 'node:child_process';

/** What a finished process printed, and how it ended. */
export interface ProcessRun {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs a Node script to its end (`node script …args`) with extra environment variables and
 * optional bytes on stdin; resolves with its exit code, stdout and stderr.
 */
export function runNodeScript(
  script: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: Uint8Array } = {},
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    p.once('exit', (code) => resolve({ code, out, err }));
    p.stdin.end(options.stdin ? Buffer.from(options.stdin) : undefined);
  });
}
