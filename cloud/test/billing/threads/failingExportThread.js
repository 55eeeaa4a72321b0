// An export writer thread that fails every file it is asked to write, as a full disk would.
import { workerData } from 'node:worker_threads';

const { port, signal } = workerData;
port.on('message', (m) => {
  if (m.chunk !== undefined) {
    Atomics.sub(signal, 0, m.chunk.length);
    Atomics.notify(signal, 0);
  }
  if (m.open !== undefined) {
    port.postMessage({ error: `export writer: ENOSPC: no space left on device, write '${m.open}.partial'` });
    Atomics.add(signal, 1, 1);
    Atomics.notify(signal, 1);
  }
});
