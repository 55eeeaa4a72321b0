// Worker entry of ClassifyWorker: the cloud runs from TypeScript sources through tsx, whose
// loader a worker thread does not inherit, so this shim registers it (as the bins do).
// A failure to load is reported like any other, so the main thread never waits for nothing.
import { parentPort, workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./ClassifyWorkerThread.ts');
} catch (err) {
  const { port, signal } = workerData;
  port.postMessage({ error: `billing worker failed to start: ${err?.message ?? err}` });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
  parentPort?.close();
}
