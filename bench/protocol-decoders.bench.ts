// npm run bench:decoders — throughput of every truck-device decoder of the protocol registry
// (shared/src/protocols), fed in 64-byte chunks as a serial port delivers them:
//   - valid frames with line-noise bursts between them (frames/s, MB/s);
//   - pure random garbage (the worst case for the resynchronising scans), and the heap after it;
//   - headroom: decoding speed ÷ a 9600-baud line (960 B/s) — how many lines one core keeps up with.
// Prints figures; asserts nothing.
import { PROTOCOL_CASES } from '../shared/test/protocols/protocol-cases.js';
import fc from 'fast-check';

const CHUNK = 64;
const TARGET_BYTES = Number(process.env.BENCH_DECODER_BYTES ?? 4_000_000);
const LINE_BYTES_PER_S = 960;

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i += 1) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function build(c: (typeof PROTOCOL_CASES)[number]): { stream: Uint8Array; frames: number } {
  const samples = fc.sample(c.frame, { numRuns: 500, seed: 7 });
  const parts: Uint8Array[] = [];
  let size = 0;
  let frames = 0;
  let i = 0;
  while (size < TARGET_BYTES) {
    const s = samples[i % samples.length];
    if (!s) break;
    if (i % 10 === 0) {
      const n = randomBytes(8, i);
      parts.push(n);
      size += n.length;
    }
    parts.push(s.bytes);
    size += s.bytes.length;
    frames += 1;
    i += 1;
  }
  const stream = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    stream.set(p, at);
    at += p.length;
  }
  return { stream, frames };
}

function run(c: (typeof PROTOCOL_CASES)[number], stream: Uint8Array): { seconds: number; good: number } {
  const d = c.create();
  let good = 0;
  const t0 = performance.now();
  for (let i = 0; i < stream.length; i += CHUNK) {
    for (const f of d.push(stream.subarray(i, i + CHUNK))) if (f.ok) good += 1;
  }
  return { seconds: (performance.now() - t0) / 1000, good };
}

const garbage = randomBytes(TARGET_BYTES, 99);
console.log(
  `decoder throughput, ${(TARGET_BYTES / 1e6).toFixed(1)} MB per stream, ${CHUNK}-byte chunks (node ${process.version})`,
);
console.log('protocol          frames/s    MB/s  ×9600-baud lines | garbage MB/s  heap after garbage');
for (const c of PROTOCOL_CASES) {
  const { stream, frames } = build(c);
  run(c, stream.subarray(0, 200_000)); // warm-up
  const r = run(c, stream);
  if (r.good !== frames) console.log(`  !! ${c.name}: decoded ${r.good} of ${frames} frames`);
  globalThis.gc?.();
  const g = run(c, garbage);
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  console.log(
    `${c.name.padEnd(16)} ${(r.good / r.seconds).toFixed(0).padStart(9)} ${(stream.length / r.seconds / 1e6).toFixed(2).padStart(7)} ${(stream.length / r.seconds / LINE_BYTES_PER_S).toFixed(0).padStart(17)} | ${(garbage.length / g.seconds / 1e6).toFixed(2).padStart(12)} ${heapMb.toFixed(1).padStart(15)} MB`,
  );
}
