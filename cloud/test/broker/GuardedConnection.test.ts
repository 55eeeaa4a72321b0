import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GuardedConnection } from '../../src/broker/GuardedConnection.js';

/**
 * The socket side: records what each system call would send. Like a net.Socket, it hands
 * chunks that waited (corked) to one writev.
 */
function recordingSocket(): { socket: Duplex; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk);
      cb();
    },
    writev(chunks, cb) {
      writes.push(Buffer.concat(chunks.map((c) => c.chunk as Buffer)));
      cb();
    },
  });
  return { socket, writes };
}

const puback = (id: number) => Buffer.from([0x40, 2, id >> 8, id & 0xff]);

/** What aedes does per packet (mqtt-packet's writeToStream): cork, write, uncork next tick. */
function writePacket(conn: GuardedConnection, packet: Buffer): void {
  conn.cork();
  conn.write(packet);
  process.nextTick(() => conn.uncork());
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('GuardedConnection writes', () => {
  it('hands the packets the broker wrote in one tick to one socket write, in order', async () => {
    const { socket, writes } = recordingSocket();
    const conn = new GuardedConnection(socket, 1024, () => {});
    // the PUBACKs of a committed ingest batch
    for (let id = 1; id <= 50; id++) writePacket(conn, puback(id));
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toEqual(Buffer.concat(Array.from({ length: 50 }, (_, i) => puback(i + 1))));
  });

  it('finishes a batch of writes when a slow socket drained, and fails it when it closes', async () => {
    const slowSocket = (onWritten: (cb: () => void) => void) =>
      new Duplex({
        highWaterMark: 8,
        read() {},
        writev(_chunks, cb) {
          onWritten(cb);
        },
      });
    const done: string[] = [];
    let release: () => void = () => {};
    const conn = new GuardedConnection(
      slowSocket((cb) => {
        release = cb;
      }),
      1024,
      () => {},
    );
    for (let id = 1; id <= 5; id++) writePacket(conn, puback(id));
    conn.write(puback(6), () => done.push('written'));
    await nextTurn();
    expect(done).toEqual([]);
    release();
    await nextTurn();
    expect(done).toEqual(['written']);

    const stuck = slowSocket(() => {});
    const closing = new GuardedConnection(stuck, 1024, () => {});
    closing.on('error', () => {});
    const failed = new Promise<Error | null | undefined>((resolve) => {
      for (let id = 1; id <= 5; id++) writePacket(closing, puback(id));
      closing.write(puback(6), resolve);
    });
    await nextTurn();
    stuck.destroy();
    expect(await failed).toBeInstanceOf(Error);
  });

  it('sends a packet written alone as it is', async () => {
    const { socket, writes } = recordingSocket();
    const conn = new GuardedConnection(socket, 1024, () => {});
    writePacket(conn, puback(7));
    await nextTurn();
    writePacket(conn, puback(8));
    await nextTurn();
    expect(writes).toEqual([puback(7), puback(8)]);
  });
});
