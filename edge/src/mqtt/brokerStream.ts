import { isIP, connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** TLS material (PEM) for a TLS broker URL; the broker certificate is always verified. */
export interface BrokerTlsMaterial {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
}

/**
 * A stream builder in MQTT.js's sense (`new MqttClient(builder, options)` calls it at every
 * connect) for a `mqtt://` or `tcp://` (TCP, port 1883 by default) or `mqtts://` or `ssl://`
 * (TLS, port 8883 by default, the broker's certificate verified against `tls.ca`) broker URL;
 * null for the other schemes (WebSocket), which MQTT.js's `connect()` handles.
 *
 * Why not `mqtt.connect()` for all: on its first connect it loads every transport it knows
 * (WebSocket with ws, a SOCKS proxy client with its IP address library, TLS), about 1.3 MB of
 * heap a truck computer keeps for nothing.
 */
export function brokerStreamBuilder(url: string, tls: BrokerTlsMaterial = {}): (() => Duplex) | null {
  const u = new URL(url);
  // An IPv6 literal keeps its brackets in URL.hostname.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  switch (u.protocol) {
    case 'mqtt:':
    case 'tcp:': {
      const port = Number(u.port || 1883);
      return () => tcpConnect({ host, port });
    }
    case 'mqtts:':
    case 'ssl:': {
      const port = Number(u.port || 8883);
      return () =>
        tlsConnect({
          host,
          port,
          // SNI takes a host name only (an IP address there is refused by Node).
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
          rejectUnauthorized: true,
        });
    }
    default:
      return null;
  }
}
