// aedes-persistence-level ships no typings. Its promise-based class is what aedes 1.x expects
// (the package's default export wraps it in a callback adapter aedes 1.x cannot use).
declare module 'aedes-persistence-level/asyncPersistence.js' {
  import type { Level } from 'level';
  /** LevelDB persistence for aedes (sessions, subscriptions, queued QoS 1/2, retained, wills). */
  export default class AsyncLevelPersistence {
    constructor(db: Level<string, Buffer>);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
}
