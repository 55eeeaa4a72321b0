import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudError } from '../../src/errors.js';
import { registryCommand } from '../../src/registry/registryCommand.js';
import { Store } from '../../src/store/Store.js';

const BOM = '\uFEFF';
let dir = '';
let dataDir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-registry-'));
  dataDir = join(dir, 'data');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await registryCommand({ out: (l) => lines.push(l) }).parseAsync(
    ['import', '--data-dir', dataDir, ...args],
    {
      from: 'user',
    },
  );
  return lines;
}

function withStore<T>(f: (s: Store) => T): T {
  const s = Store.open({ dataDir, logger: pino({ level: 'silent' }) });
  try {
    return f(s);
  } finally {
    s.close();
  }
}

/** A complete, valid registry as a French office would export it (`;`, BOM, quotes). */
function writeGoodRegistry(): void {
  write(
    'accounts.csv',
    `${BOM}account_id;kind;name;address;email\r\nsyndic-1;building-manager;"Cabinet Durand; syndic";"2 rue des Lilas\r\n34150 Gignac";contact@durand.example\r\nbakery;business;"La ""Bonne"" Miche";;\r\n`,
  );
  write(
    'buildings.csv',
    'building_id;name;address;dwellings;manager_account_id\nres-pins;Résidence Les Pins;1 av. du Lac;24;syndic-1\n',
  );
  write(
    'households.csv',
    `${BOM}household_id;name;persons;moved_in;moved_out;building_id\nhh-1;Dupont;3;2020-03-01;;\nhh-2;Martin;1;2024-01-15;2026-06-30;res-pins\n`,
  );
  write(
    'bins.csv',
    [
      'bin_id,tag,volume_l,account_id,building_id,valid_from,valid_to',
      'bin-1,100086f444,240,hh-1,,2020-03-01,2026-06-01',
      'bin-1,100086F444,240,bakery,,2026-06-01,',
      'bin-2,250 000001088420,660,,res-pins,2021-01-01,',
      'bin-3,982000001088421,120,bakery,,2022-05-01T08:00:00.000Z,',
    ].join('\n'),
  );
  write(
    'trucks.csv',
    'truck_id;name;plate;max_payload_g;scale_interval_g\nbom-01;Benne 1;AB-123-CD;9500000;500\n',
  );
  write('gateways.csv', 'gateway_id,name,lat,lon,site\ngw-cosmo-1,Entrée Cosmo,43.6521,3.5412,Cosmo\n');
  write(
    'beacons.csv',
    'beacon_id;address;name;lat;lon;expected_interval_ms;shop\neddystone:0123456789abcdef0123:a1b2c3d4e5f6;aa:bb:cc:dd:ee:ff;Vitrine;43.6522;3.5413;1000;Boulangerie\n',
  );
}

describe('registry import', () => {
  it('imports every file of a folder (; and , separators, BOM, quoted fields with separators, quotes and newlines)', async () => {
    writeGoodRegistry();
    const out = await run('--dir', dir);
    expect(out).toEqual([
      'imported 2 accounts, 1 buildings, 2 households, 4 bins, 1 trucks, 1 gateways, 1 beacons',
    ]);
    withStore((s) => {
      expect(s.reads.accounts().map((a) => [a.account_id, a.kind, a.name, a.address])).toEqual([
        ['bakery', 'business', 'La "Bonne" Miche', null],
        ['hh-1', 'household', 'Dupont', null],
        ['hh-2', 'household', 'Martin', null],
        ['syndic-1', 'building-manager', 'Cabinet Durand; syndic', '2 rue des Lilas\r\n34150 Gignac'],
      ]);
      expect(
        s.reads.households().map((h) => [h.household_id, h.persons, h.moved_out, h.building_id]),
      ).toEqual([
        ['hh-1', 3, null, null],
        ['hh-2', 1, '2026-06-30', 'res-pins'],
      ]);
      expect(
        s.reads.bins().map((b) => [b.bin_id, b.tag_scheme, b.tag_id, b.account_id ?? b.building_id]),
      ).toEqual([
        ['bin-1', 'em4100', '100086F444', 'hh-1'],
        ['bin-1', 'em4100', '100086F444', 'bakery'],
        ['bin-2', 'fdx-b', '250-000001088420', 'res-pins'],
        ['bin-3', 'fdx-b', '982-000001088421', 'bakery'],
      ]);
      expect(s.isRegisteredTag('100086F444', '2026-05-31T23:59:59.999Z')).toBe(true);
      expect(s.isRegisteredDevice('trucks', 'bom-01')).toBe(true);
      expect(s.isRegisteredDevice('gateways', 'gw-cosmo-1')).toBe(true);
      expect(s.reads.beacons()[0]).toMatchObject({
        address: 'AA:BB:CC:DD:EE:FF',
        expected_interval_ms: 1000,
      });
    });
  });

  it('is a no-op when the same files are imported again', async () => {
    writeGoodRegistry();
    await run('--dir', dir);
    const before = withStore((s) => [s.reads.accounts(), s.reads.bins(), s.reads.households()]);
    await run('--dir', dir);
    expect(withStore((s) => [s.reads.accounts(), s.reads.bins(), s.reads.households()])).toEqual(before);
  });

  it('reports every problem of every file as file:line and writes nothing', async () => {
    writeGoodRegistry();
    write(
      'households.csv',
      'household_id;name;persons;moved_in\nhh-1;Dupont;zero;2020-02-30\nhh-1;Again;2;2020-01-01\n',
    );
    write(
      'bins.csv',
      'bin_id,tag,volume_l,account_id,building_id,valid_from\nbin-9,XYZ,240,hh-1,,2020-01-01\nbin-8,0000000001,240,ghost,,2020-01-01\nbin-7,0000000002,240,hh-1,res-pins,2020-01-01\nbin-6,"unterminated,240\n',
    );
    write('trucks.csv', 'truck_id;name;max_payload_g;scale_interval_g;colour\nBOM 01;Benne;9.5;500;red\n');
    const err = await run('--dir', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).code).toBe('registry-import');
    const lines = (err as CloudError).message.split('\n').slice(1);
    const expected = [
      /^households\.csv:2: persons: expected a whole number$/,
      /^households\.csv:2: moved_in: not a calendar date$/,
      /^households\.csv:3: household hh-1 already given on line 2$/,
      /^bins\.csv:2: tag: EM4100 10 hex digits/,
      /^bins\.csv:4: account_id: give exactly one of account_id and building_id$/,
      /^bins\.csv:\d: .*[Qq]uote/,
      /^trucks\.csv:1: unknown column "colour"/,
      /^trucks\.csv:2: truck_id: device id/,
      /^trucks\.csv:2: max_payload_g: expected a whole number$/,
    ];
    for (const re of expected)
      expect(
        lines.some((l) => re.test(l)),
        `${re} in\n${lines.join('\n')}`,
      ).toBe(true);
    expect(
      withStore((s) => [s.reads.count('accounts'), s.reads.count('bins'), s.reads.count('trucks')]),
    ).toEqual([0, 0, 0]);
  });

  it('refuses references to accounts or buildings that exist nowhere', async () => {
    write(
      'bins.csv',
      'bin_id;tag;volume_l;account_id;building_id;valid_from\nbin-1;0000000001;240;ghost;;2020-01-01\n',
    );
    write('buildings.csv', 'building_id;name;dwellings;manager_account_id\nb-1;Bloc;4;nobody\n');
    const err = (await run('--dir', dir).catch((e: unknown) => e)) as CloudError;
    expect(err.message).toContain('bins.csv:2: account_id ghost is not an account');
    expect(err.message).toContain('buildings.csv:2: manager_account_id nobody is not an account');
  });

  it('refuses a tag given to two bins over overlapping periods, counting rows already in the registry', async () => {
    write('households.csv', 'household_id;name;persons;moved_in\nhh-1;A;1;2020-01-01\nhh-2;B;2;2020-01-01\n');
    write('bins.csv', 'bin_id;tag;volume_l;account_id;valid_from\nbin-1;0000000001;240;hh-1;2020-01-01\n');
    await run('--dir', dir);
    const second = write(
      'more-bins.csv',
      'bin_id;tag;volume_l;account_id;valid_from\nbin-2;0000000001;120;hh-2;2025-01-01\n',
    );
    const err = (await run('--bins', second).catch((e: unknown) => e)) as CloudError;
    expect(err.code).toBe('registry-import');
    expect(err.message).toMatch(/more-bins\.csv:2: tag 0000000001 of bin bin-2 .* overlaps bin bin-1/);
    expect(withStore((s) => s.reads.count('bins'))).toBe(1);
  });

  it('says what to give when there is nothing to import', async () => {
    const err = (await run('--dir', dir).catch((e: unknown) => e)) as CloudError;
    expect(err.code).toBe('usage');
  });
});
