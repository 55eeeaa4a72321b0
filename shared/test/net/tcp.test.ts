import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { acceptsTcp, anyFreePort, portIsFree } from '../../src/net/tcp.js';

describe('portIsFree', () => {
  it('is true for a port nobody listens on, false while a server holds it, true again after', async () => {
    const port = await anyFreePort('127.0.0.1');
    expect(await portIsFree('127.0.0.1', port)).toBe(true);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    try {
      expect(await portIsFree('127.0.0.1', port)).toBe(false);
      expect(await acceptsTcp('127.0.0.1', port)).toBe(true);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
    expect(await portIsFree('127.0.0.1', port)).toBe(true);
  });

  it('leaves nothing listening after it answers', async () => {
    const port = await anyFreePort('127.0.0.1');
    await portIsFree('127.0.0.1', port);
    expect(await acceptsTcp('127.0.0.1', port, 300)).toBe(false);
  });
});
