import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

// Same keep-alive as kafkajs' own socket factory.
const KEEP_ALIVE_DELAY_MS = 60000;

/** kafkajs' default socket factory, with placeholder bootstrap names mapped to IPv6 addresses. */
export function ipv6SocketFactory(aliases: ReadonlyMap<string, string>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const address = aliases.get(host) ?? host;
    const socket = ssl
      ? tlsConnect({ host: address, port, ...(isIP(address) ? {} : { servername: address }), ...ssl }, onConnect)
      : netConnect({ host: address, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}
