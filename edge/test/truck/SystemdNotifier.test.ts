import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../src/truck/SystemdNotifier.js';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stand-in `systemd-notify` that appends its argument to a file (a real process, like the real one). */
function recorder(): { command: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'releve-notify-'));
  dirs.push(dir);
  const log = join(dir, 'calls');
  const command = join(dir, 'systemd-notify');
  writeFileSync(command, `#!/bin/sh\necho "$1" >> ${log}\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('SystemdNotifier', () => {
  it('sends READY, WATCHDOG at half the watchdog period, and STOPPING under systemd', async () => {
    const r = recorder();
    let now = 0;
    const n = new SystemdNotifier(
      silent,
      { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '10000000' },
      () => now,
      r.command,
    );
    n.ready();
    for (now = 0; now <= 12_000; now += 1000) n.watchdog();
    n.stopping();
    await waitFor(() => r.calls().length === 5, 10_000, 'five notifications');
    expect([...r.calls()].sort()).toEqual([
      '--ready',
      'STOPPING=1',
      'WATCHDOG=1',
      'WATCHDOG=1',
      'WATCHDOG=1',
    ]);
  });

  it('does nothing outside systemd', async () => {
    const r = recorder();
    const n = new SystemdNotifier(silent, {}, () => 0, r.command);
    n.ready();
    n.watchdog();
    n.stopping();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.calls()).toEqual([]);
  });
});
