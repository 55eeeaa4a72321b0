// Worker entry of ThreadedIngestWriter: the cloud runs from TypeScript sources through tsx,
// whose loader a worker thread does not inherit, so this shim registers it (as the bins do).
import { register } from 'tsx/esm/api';

register();
await import('./IngestWriterThread.ts');
