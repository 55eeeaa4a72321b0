import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeSeriesSink } from '../../src/tsdb/TimeSeriesSink.js';
import { TsdbQueue } from '../../src/tsdb/TsdbQueue.js';
import { TsdbSinkConfig } from '../../src/tsdb/TsdbSinkConfig.js';

/**
 * The sink against a scripted HTTP server (the socket boundary): how it reacts to the write
 * API's answers that a healthy VictoriaMetrics never gives (404, 401, 400 on one bad line).
 */
describe('time-series sink: server answers', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const bodies: string[] = [];
  let answer: (body: string) => number = () => 204;
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-tsdb-answers-'));
    bodies.length = 0;
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(body);
        const status = answer(body);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          status >= 300 ? JSON.stringify({ code: 'invalid', message: `scripted ${status}` }) : undefined,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const sinkWith = (batchSize: number) => {
    const queue = TsdbQueue.open(join(dir, 'q.sqlite'));
    const sink = new TimeSeriesSink({ config: TsdbSinkConfig.parse({ url, batchSize }), queue, log });
    return { queue, sink };
  };
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `m,t=a v=${i}i ${1_700_000_000_000 + i}`);

  it('does not let the client retry a 404 on its own: one request, points kept in our queue', async () => {
    answer = () => 404;
    const { queue, sink } = sinkWith(10);
    queue.enqueue(lines(5));
    const r = await sink.flush();
    expect(r.error).not.toBeNull();
    expect(bodies).toHaveLength(1);
    expect(queue.depth()).toBe(5);
    answer = () => 204;
    expect((await sink.flush()).sent).toBe(5);
    expect(queue.depth()).toBe(0);
    expect(bodies.at(-1)?.split('\n')).toEqual(lines(5));
    await sink.stop();
    queue.close();
  });

  it('keeps points on 401 (a token problem is not the points’ fault)', async () => {
    answer = () => 401;
    const { queue, sink } = sinkWith(10);
    queue.enqueue(lines(3));
    expect((await sink.flush()).error).not.toBeNull();
    expect(queue.depth()).toBe(3);
    expect(queue.rejected()).toEqual([]);
    await sink.stop();
    queue.close();
  });

  it('isolates a line the server refuses (400) by halving the batch, sets it aside and sends the rest', async () => {
    const poison = 'm,t=a v="bad" 1700000000007';
    answer = (body) => (body.includes('"bad"') ? 400 : 204);
    const { queue, sink } = sinkWith(16);
    const good = lines(16);
    queue.enqueue([...good.slice(0, 7), poison, ...good.slice(7)]);
    const r = await sink.flush();
    expect(r).toMatchObject({ sent: 16, rejected: 1, error: null });
    expect(queue.depth()).toBe(0);
    expect(queue.rejected().map((x) => [x.line, x.status])).toEqual([[poison, 400]]);
    const accepted = bodies
      .filter((b) => !b.includes('"bad"'))
      .flatMap((b) => b.split('\n'))
      .sort();
    expect(accepted).toEqual([...good].sort());
    await sink.stop();
    queue.close();
  });
});
