// aedes-persistence-level ships no typings. aedes 1.x calls the persistence through promises;
// the package's default export wraps its promise-based class in a callback/promise adapter
// kept for aedes 0.x, so the broker uses the promise-based class directly.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  import type { Level } from 'level';
  /** LevelDB persistence for aedes (sessions, subscriptions, queued QoS 1/2, retained, wills). */
  export default class AsyncLevelPersistence {
    constructor(db: Level<string, Buffer>);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
}
