import { isIPv4, isIPv6 } from 'node:net';
import { KafkaClientConfigError } from './kafka-client.errors.js';

/** One bootstrap server. `host` is bare (an IPv6 address without its brackets). */
export interface KafkaBroker {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function isHostname(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function parseBroker(entry: string, position: number, variable: string): KafkaBroker {
  const fail = (why: string): never => {
    throw new KafkaClientConfigError(variable, `entry ${position} "${entry}" ${why}`);
  };
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(entry);
  if (bracketed) {
    const [, host, portText] = bracketed;
    if (!isIPv6(host)) fail('has brackets but no IPv6 address inside them');
    const port = parsePort(portText);
    return port === undefined ? fail('needs a port from 1 to 65535 after the ]') : { host, port };
  }
  if (/^\[[^\]]*\]$/.test(entry)) fail('is not host:port (the port is missing after the ])');
  if (entry.includes('://')) fail('is a URL: give host:port without a scheme');
  const colon = entry.lastIndexOf(':');
  if (colon < 0) fail('is not host:port (the port is missing)');
  const host = entry.slice(0, colon);
  if (isIPv6(host)) fail('looks like an IPv6 address: write it in brackets, e.g. [::1]:9092');
  if (!isIPv4(host) && !isHostname(host)) fail(`has "${host}", which is neither a hostname nor an IPv4 address`);
  const port = parsePort(entry.slice(colon + 1));
  return port === undefined ? fail('needs a port from 1 to 65535 after the colon') : { host, port };
}

/** Parses a comma-separated bootstrap list (`host:port`, `[ipv6]:port`); errors name the bad entry. */
export function parseKafkaBrokers(value: string, variable = 'KAFKA_BROKERS'): KafkaBroker[] {
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === '')) {
    throw new KafkaClientConfigError(variable, 'is empty: give at least one host:port');
  }
  return entries.map((entry, index) => {
    if (entry === '') throw new KafkaClientConfigError(variable, `entry ${index + 1} is empty (a stray comma?)`);
    return parseBroker(entry, index + 1, variable);
  });
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatKafkaBroker(broker: KafkaBroker): string {
  return isIPv6(broker.host) ? `[${broker.host}]:${broker.port}` : `${broker.host}:${broker.port}`;
}
