import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { formatKafkaBroker, type KafkaBroker } from './kafka-brokers.js';
import type { KafkaClientSettings, KafkaSaslSettings, KafkaTlsSettings } from './kafka-security-env.js';
import { ipv6SocketFactory } from './ipv6-socket-factory.js';

/** What a caller may still choose; brokers, TLS and SASL come from the settings alone. */
export type KafkaClientOptions = Omit<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;

function saslOptions(sasl: KafkaSaslSettings): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

function tlsOptions(tls: KafkaTlsSettings | undefined): ConnectionOptions | true {
  if (!tls || (!tls.ca && !tls.cert)) return true;
  return {
    ...(tls.ca ? { ca: [tls.ca] } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  };
}

/**
 * kafkajs splits bootstrap entries on ':', so an IPv6 entry goes in under a placeholder name
 * that the socket factory turns back into the address.
 */
function bootstrapList(brokers: readonly KafkaBroker[]): { list: string[]; ipv6: Map<string, string> } {
  const ipv6 = new Map<string, string>();
  const list = brokers.map((broker, index) => {
    if (!broker.host.includes(':')) return formatKafkaBroker(broker);
    const alias = `kafka-ipv6-bootstrap-${index}`;
    ipv6.set(alias, broker.host);
    return `${alias}:${broker.port}`;
  });
  return { list, ipv6 };
}

/** The kafkajs configuration for validated settings: pure, no I/O. */
export function buildKafkaConfig(settings: KafkaClientSettings, options: KafkaClientOptions = {}): KafkaConfig {
  const { list, ipv6 } = bootstrapList(settings.brokers);
  const protocol = settings.securityProtocol;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT';
  if (usesSasl && !settings.sasl) {
    throw new Error(`${protocol} needs SASL settings (build them with parseKafkaSecurityEnv)`);
  }
  return {
    ...options,
    brokers: list,
    ...(usesTls ? { ssl: tlsOptions(settings.tls) } : {}),
    ...(usesSasl && settings.sasl ? { sasl: saslOptions(settings.sasl) } : {}),
    ...(ipv6.size > 0 && !options.socketFactory ? { socketFactory: ipv6SocketFactory(ipv6) } : {}),
  };
}

/** One line for a start-up log: where and how, never the password. */
export function describeKafkaSettings(settings: KafkaClientSettings): string {
  const brokers = settings.brokers.map(formatKafkaBroker).join(',');
  const auth = settings.sasl ? ` ${settings.sasl.mechanism} as ${settings.sasl.username}` : '';
  const cert = settings.tls?.cert ? ' with a client certificate' : '';
  const ca = settings.tls && !settings.tls.ca ? ' (system CAs)' : '';
  return `${settings.securityProtocol}${auth}${cert}${ca} to ${brokers}`;
}
