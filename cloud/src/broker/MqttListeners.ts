import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { CloudError, CloudErrorCode } from '../errors.js';

/** What a listener hands over for each new connection. */
export type ConnectionHandler = (stream: Duplex, remote: string, req?: IncomingMessage) => void;

/** An open listener: its transport, the real port (useful after port 0) and how to close it. */
export interface MqttListener {
  readonly transport: 'mqtt' | 'mqtts' | 'ws';
  readonly host: string;
  readonly port: number;
  /** Re-reads TLS files (mqtts only). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

function remoteOf(s: Socket): string {
  return `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
}

function listen(
  server: TcpServer | HttpServer,
  transport: string,
  host: string,
  port: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use (another broker, e.g. Mosquitto?); choose another port or 0 for a free one`
          : e.code === 'EACCES'
            ? `not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`
            : e.message;
      reject(new CloudError(CloudErrorCode.Listen, `${transport} listener: ${why}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/** Tracks sockets so `close()` does not wait for idle clients. */
function trackSockets(server: TcpServer | HttpServer): () => void {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return () => {
    for (const s of sockets) s.destroy();
  };
}

function closeServer(server: TcpServer | HttpServer, destroyAll: () => void): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    destroyAll();
  });
}

/** Plain MQTT over TCP. */
export async function listenTcp(
  host: string,
  port: number,
  onConnection: ConnectionHandler,
): Promise<MqttListener> {
  const server = createTcpServer((s) => onConnection(s, remoteOf(s)));
  const destroyAll = trackSockets(server);
  const real = await listen(server, 'mqtt', host, port);
  return {
    transport: 'mqtt',
    host,
    port: real,
    reload: async () => {},
    close: () => closeServer(server, destroyAll),
  };
}

/** MQTT over TLS; the certificate and key are PEM files, re-read by `reload()`. */
export async function listenTls(
  host: string,
  port: number,
  files: { certFile: string; keyFile: string },
  onConnection: ConnectionHandler,
  onTlsError: (remote: string, err: Error) => void = () => {},
): Promise<MqttListener> {
  const read = async () => {
    try {
      return { cert: await readFile(files.certFile), key: await readFile(files.keyFile) };
    } catch (e) {
      throw new CloudError(
        CloudErrorCode.Listen,
        `mqtts listener: cannot read TLS files: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  };
  const server: TlsServer = createTlsServer(await read(), (s) => onConnection(s, remoteOf(s)));
  // failed handshakes (plain MQTT on the TLS port, untrusted client, scanners) never reach the broker
  server.on('tlsClientError', (err, s) => onTlsError(remoteOf(s), err));
  const destroyAll = trackSockets(server);
  const real = await listen(server, 'mqtts', host, port);
  return {
    transport: 'mqtts',
    host,
    port: real,
    reload: async () => server.setSecureContext(await read()),
    close: () => closeServer(server, destroyAll),
  };
}

/** MQTT over WebSocket (binary frames, sub-protocol `mqtt`), any path. */
export async function listenWebSocket(
  host: string,
  port: number,
  maxPayloadBytes: number,
  onConnection: ConnectionHandler,
): Promise<MqttListener> {
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const destroyAll = trackSockets(http);
  const wss = new WebSocketServer({ server: http, maxPayload: maxPayloadBytes });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    onConnection(stream, remoteOf(req.socket), req);
  });
  const real = await listen(http, 'ws', host, port);
  return {
    transport: 'ws',
    host,
    port: real,
    reload: async () => {},
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await closeServer(http, destroyAll);
    },
  };
}
