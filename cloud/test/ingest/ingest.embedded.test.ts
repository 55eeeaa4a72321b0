import { describe } from 'vitest';
import { embeddedBroker } from './fixtures/brokers.js';
import { ingestContract } from './ingestContract.js';

describe('ingest contract against the embedded aedes broker', () => {
  ingestContract(embeddedBroker);
});
