// Worker entry of ExportFileThread: encodes, hashes and writes an export file's text chunks
// while the main thread makes the next ones. Plain JavaScript on Node's own modules, so it
// starts in milliseconds without the TypeScript loader.
//
// Messages in: { open: path } | { chunk: string } | { close: true }. For each open…close it
// writes `path.partial`, fsyncs it and renames it to `path`, then replies { digest } (or
// { error } at the first failure, after which it ignores the rest of that file). signal[0]
// counts the characters posted and not yet written (the main thread waits while it is high);
// signal[1] counts replies.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const { port, signal } = workerData;
let file = null;

function reply(message) {
  port.postMessage(message);
  Atomics.add(signal, 1, 1);
  Atomics.notify(signal, 1);
}

function fail(err) {
  if (file && !file.failed) {
    file.failed = true;
    try {
      closeSync(file.fd);
      rmSync(file.tmp, { force: true });
    } catch {}
    reply({ error: `export writer: ${err?.message ?? err}` });
  }
}

port.on('message', (m) => {
  try {
    if (m.open !== undefined) {
      const tmp = `${m.open}.partial`;
      file = { path: m.open, tmp, fd: -1, hash: createHash('sha256'), bytes: 0, failed: false };
      file.fd = openSync(tmp, 'w');
    } else if (m.chunk !== undefined) {
      if (file && !file.failed) {
        const buf = Buffer.from(m.chunk, 'utf8');
        file.hash.update(buf);
        file.bytes += buf.length;
        for (let off = 0; off < buf.length; ) off += writeSync(file.fd, buf, off);
      }
    } else if (m.close && file && !file.failed) {
      fsyncSync(file.fd);
      closeSync(file.fd);
      renameSync(file.tmp, file.path);
      const digest = { bytes: file.bytes, sha256: file.hash.digest('hex') };
      file = null;
      reply({ digest });
    }
  } catch (err) {
    fail(err);
  } finally {
    if (m.chunk !== undefined) {
      Atomics.sub(signal, 0, m.chunk.length);
      Atomics.notify(signal, 0);
    }
  }
});
