import { describe } from 'vitest';
import { embeddedBroker } from './fixtures/brokers.js';
import { ingestContract } from './ingestContract.js';
import { ingestCrashContract } from './ingestCrashContract.js';

describe('ingest contract against the embedded aedes broker', () => {
  ingestContract(embeddedBroker);
});

describe('ingest crash contract against the embedded aedes broker', () => {
  ingestCrashContract(embeddedBroker);
});

describe('ingest contract against the embedded aedes broker, writing on the event loop', () => {
  ingestContract(embeddedBroker, { writer: 'inline' });
});
