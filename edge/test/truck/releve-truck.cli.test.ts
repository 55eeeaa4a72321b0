import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RfidReaderSim } from '@releve/firmware-sim/devices/RfidReaderSim';
import { PtyDeviceLink } from '@releve/firmware-sim/pty/PtyDeviceLink';
import { encodeEm4100 } from '@releve/shared/protocols/rfid-encoders';
import {
  commandService,
  type ProcessRun,
  requireService,
  runNodeScript,
  waitFor,
} from '@releve/shared/testing/index';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/releve-truck.js', import.meta.url));
const hasSocat = await requireService(commandService('socat'));

/** Runs `releve-truck …` with `stdin` bytes; resolves with its output and exit code. */
function run(args: string[], stdin?: Uint8Array): Promise<ProcessRun> {
  return runNodeScript(BIN, args, { stdin });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('releve-truck CLI', () => {
  it('decode: one JSON line per frame from stdin, bad frames kept with reason and hex', async () => {
    const good = encodeEm4100('100086F444');
    const bad = encodeEm4100('100086F444', { corruptChecksum: true });
    const bytes = Buffer.concat([good, bad, good]);
    const r = await run(['decode', '--protocol', 'em4100'], bytes);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({
      ok: true,
      value: { scheme: 'em4100', id: '100086F444' },
      hex: Buffer.from(good).toString('hex'),
    });
    expect(lines[1]).toMatchObject({ ok: false, hex: Buffer.from(bad).toString('hex') });
    expect(typeof lines[1].reason).toBe('string');
    expect(lines[2]?.ok).toBe(true);
  }, 60_000);

  it('decode --help lists the registry protocols; an unknown protocol is refused', async () => {
    const help = await run(['decode', '--help']);
    for (const name of ['em4100', 'fdxb-binary', 'fdxb-ascii', 'st-gs', 'toledo', 'mt-sics', 'nmea']) {
      expect(help.out).toContain(name);
    }
    const unknown = await run(['decode', '--protocol', 'wiegand'], new Uint8Array());
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown protocol');
  }, 60_000);

  it('check-config: exit 0 on a good file, 1 with every problem listed on a bad one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'releve-cli-'));
    dirs.push(dir);
    const good = {
      truckId: 'truck-07',
      dataDir: 'data',
      devices: {
        rfid: { protocol: 'em4100', serial: { path: '/dev/ttyUSB0' } },
        indicator: { protocol: 'st-gs', serial: { path: '/dev/ttyUSB1' } },
      },
      capacity: { maxPayloadG: 9_500_000, bodyVolumeL: 20_000 },
      broker: { url: 'mqtt://127.0.0.1:1' },
    };
    writeFileSync(join(dir, 'good.json'), JSON.stringify(good));
    const ok = await run(['check-config', join(dir, 'good.json')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('OK');
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        ...good,
        truckId: 'X',
        devices: { ...good.devices, rfid: { protocol: 'st-gs', serial: { path: 'x' } } },
      }),
    );
    const bad = await run(['check-config', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('truckId');
    const badProtocol = JSON.stringify({
      ...good,
      devices: { ...good.devices, rfid: { protocol: 'st-gs', serial: { path: 'x' } } },
    });
    writeFileSync(join(dir, 'bad2.json'), badProtocol);
    const bad2 = await run(['check-config', join(dir, 'bad2.json')]);
    expect(bad2.err).toContain('devices.rfid.protocol: unknown "st-gs"');
  }, 60_000);

  it.skipIf(!hasSocat)(
    'decode --port reads a live serial port (a simulated reader on a pty)',
    async () => {
      const reader = new RfidReaderSim({ protocol: 'fdxb-binary', repeatMs: 50 });
      const link = new PtyDeviceLink(reader);
      const tty = await link.start();
      reader.start();
      reader.showTag({ scheme: 'fdx-b', id: '250-000001088420' });
      const p = spawn(process.execPath, [BIN, 'decode', '--protocol', 'fdxb-binary', '--port', tty], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (b: Buffer) => {
        out += b.toString();
      });
      const exited = new Promise((resolve) => p.once('exit', resolve));
      try {
        await waitFor(
          () => out.split('\n').filter(Boolean).length >= 3,
          30_000,
          'three frames from the port',
        );
        const first = JSON.parse(out.split('\n').find((l) => l.includes('"ok":true')) ?? '{}');
        expect(first.value).toEqual({ scheme: 'fdx-b', id: '250-000001088420' });
      } finally {
        p.kill('SIGTERM');
        await exited;
        reader.stop();
        await link.stop();
      }
    },
    60_000,
  );
});
