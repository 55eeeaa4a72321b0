import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GuardedConnection } from '../../src/broker/GuardedConnection.js';

/** The socket side: records each write it is given (a socket makes one system call each). */
function recordingSocket(): { socket: Duplex; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk);
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
  it('sends the packets the broker wrote in one tick in one socket write, in order', async () => {
    const { socket, writes } = recordingSocket();
    const conn = new GuardedConnection(socket, 1024, () => {});
    // the PUBACKs of a committed ingest batch
    for (let id = 1; id <= 50; id++) writePacket(conn, puback(id));
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toEqual(Buffer.concat(Array.from({ length: 50 }, (_, i) => puback(i + 1))));
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
