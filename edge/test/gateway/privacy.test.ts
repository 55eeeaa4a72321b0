import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FootfallCount } from '@releve/shared';
import { SimulatedBeacon } from '@releve/firmware-sim/beacons/index';
import { afterEach, describe, expect, it } from 'vitest';
import { allowed, GatewayHarness } from './harness.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const OTHER_UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
const IB = `ibeacon:${UUID}:1:1`;
const ALLOWED_ADDRESS = 'C0:FF:EE:00:00:01';

/** Every way an address could leak: as written, lower case, bare hex, wire order, and common hashes. */
function forms(address: string): string[] {
  const upper = address.toUpperCase();
  const bare = upper.replace(/:/g, '');
  const wire = (bare.match(/../g) ?? []).reverse().join('');
  const texts = [upper, upper.toLowerCase(), bare, bare.toLowerCase(), wire, wire.toLowerCase()];
  const hashes = texts.slice(0, 4).flatMap((t) =>
    ['sha256', 'sha1', 'md5'].flatMap((alg) => {
      const d = createHash(alg).update(t).digest();
      return [d.toString('hex'), d.toString('base64').slice(0, 16)];
    }),
  );
  return [...texts, ...hashes];
}

/** Needles found in the text: one pass per needle length with set lookups (fast on MBs of text). */
function findLeaks(text: string, needles: string[]): string[] {
  const byLength = new Map<number, Set<string>>();
  for (const n of needles) {
    const set = byLength.get(n.length) ?? new Set<string>();
    set.add(n);
    byLength.set(n.length, set);
  }
  const found = new Set<string>();
  for (const [length, set] of byLength) {
    for (let i = 0; i + length <= text.length; i++) {
      const s = text.slice(i, i + length);
      if (set.has(s)) found.add(s);
    }
  }
  return [...found];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Everything the gateway produced: outbox payloads and topics, every file on disk, every log line. */
function everything(h: GatewayHarness): string {
  const disk = filesUnder(h.dataDir).map((f) => readFileSync(f).toString('latin1'));
  return [h.allPayloadText(), ...disk, ...h.logs].join('\n');
}

let h: GatewayHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h?.cleanup();
  h = null;
});

describe('privacy: nothing about non-allowlisted devices leaves the gateway or reaches its disk', () => {
  it('phones and unknown beacons: no address or hash in anything published, stored or logged', async () => {
    h = new GatewayHarness({
      allowlist: [allowed(IB, ALLOWED_ADDRESS)],
      config: { footfall: { enabled: true, k: 5 } },
      seed: 42,
    });
    h.field.addBeacon(
      new SimulatedBeacon({
        address: ALLOWED_ADDRESS,
        identity: { ibeacon: { uuid: UUID, major: 1, minor: 1 } },
      }),
    );
    const unknown = [
      new SimulatedBeacon({
        address: 'D0:0D:00:00:00:01',
        identity: { ibeacon: { uuid: OTHER_UUID, major: 9, minor: 9 } },
      }),
      new SimulatedBeacon({
        address: 'D0:0D:00:00:00:02',
        identity: {
          eddystoneUid: { namespace: 'aaaaaaaaaaaaaaaaaaaa', instance: 'bbbbbbbbbbbb' },
          tlm: true,
        },
      }),
    ];
    for (const b of unknown) h.field.addBeacon(b);
    const crowd = h.field.addCrowd({ present: 25, dwellMs: 120_000, rotateMs: 60_000 });
    await h.start();
    await h.run(20 * 60_000);
    const phones = crowd.phones.flatMap((p) => p.addressesUsed);
    expect(phones.length).toBeGreaterThan(250);
    // Before the outbox is closed (the WAL holds the newest pages) and after.
    const secrets = [...phones, ...unknown.map((b) => b.address)].flatMap(forms);
    const ids = [OTHER_UUID, OTHER_UUID.replace(/-/g, ''), 'aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbb'];
    const check = (text: string) => {
      // The search is able to find an address: the allowlisted one is there.
      expect(findLeaks(text, [ALLOWED_ADDRESS])).toEqual([ALLOWED_ADDRESS]);
      expect(findLeaks(text, [...secrets, ...ids])).toEqual([]);
    };
    check(everything(h));
    const footfall = h.published('footfall');
    expect(footfall).toHaveLength(4);
    for (const f of footfall) {
      expect(FootfallCount.safeParse(f).success).toBe(true);
      expect(Object.keys(f).sort()).toEqual(
        ['count', 'gatewayId', 'id', 'k', 'seq', 'suppressed', 'ts', 'windowEnd', 'windowStart'].sort(),
      );
      // 25 phones present, a new address a minute, the two unknown beacons: well above k.
      expect(f.count).toBeGreaterThanOrEqual(25);
      expect(f.suppressed).toBe(false);
    }
    await h.stop();
    check(everything(h));
  }, 120_000);

  it('footfall below k is suppressed, and footfall is off by default', async () => {
    h = new GatewayHarness({
      allowlist: [allowed(IB, ALLOWED_ADDRESS)],
      config: { footfall: { enabled: true, k: 5 } },
      seed: 7,
    });
    h.field.addCrowd({ present: 3, dwellMs: 3_600_000, rotateMs: 3_600_000 });
    await h.start();
    await h.run(10 * 60_000);
    const footfall = h.published('footfall');
    expect(footfall.map((f) => [f.count, f.suppressed, f.k])).toEqual([
      [null, true, 5],
      [null, true, 5],
    ]);
    await h.stop();
    h.cleanup();

    h = new GatewayHarness({ allowlist: [allowed(IB, ALLOWED_ADDRESS)], seed: 7 });
    h.field.addCrowd({ present: 30, dwellMs: 60_000 });
    await h.start();
    await h.run(10 * 60_000);
    expect(h.gateway.stats.advertisements).toBeGreaterThan(10_000);
    expect(h.published('footfall')).toEqual([]);
  });
});
