import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { buildKafkaConfig, describeKafkaSettings } from './kafka-config.js';
import { parseKafkaBrokers } from './kafka-brokers.js';
import type { KafkaClientSettings } from './kafka-security-env.js';

const plaintext: KafkaClientSettings = { brokers: parseKafkaBrokers('a:9092,b:9092'), securityProtocol: 'PLAINTEXT' };

describe('buildKafkaConfig', () => {
  it('gives PLAINTEXT neither TLS nor SASL, and keeps the caller options', () => {
    const config = buildKafkaConfig(plaintext, { clientId: 'ledger', connectionTimeout: 3000 });
    expect(config).toEqual({ clientId: 'ledger', connectionTimeout: 3000, brokers: ['a:9092', 'b:9092'] });
  });

  it.each([
    ['PLAIN', 'plain'],
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['SCRAM-SHA-512', 'scram-sha-512'],
  ] as const)('maps SASL_SSL %s to kafkajs %s over TLS with the system CAs', (mechanism, kafkajsName) => {
    const config = buildKafkaConfig({
      ...plaintext,
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism, username: 'u', password: 'p' },
      tls: {},
    });
    expect(config.ssl).toBe(true);
    expect(config.sasl).toEqual({ mechanism: kafkajsName, username: 'u', password: 'p' });
  });

  it('sends SASL_PLAINTEXT without TLS', () => {
    const config = buildKafkaConfig({
      ...plaintext,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
    });
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('trusts only the given CA and presents the client certificate for SSL', () => {
    const config = buildKafkaConfig({
      ...plaintext,
      securityProtocol: 'SSL',
      tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
    });
    expect(config.ssl).toEqual({ ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' });
    expect(config.sasl).toBeUndefined();
  });

  it('refuses SASL_SSL settings that carry no credentials', () => {
    expect(() => buildKafkaConfig({ ...plaintext, securityProtocol: 'SASL_SSL' })).toThrow(
      'SASL_SSL needs SASL settings',
    );
  });

  it('connects to an IPv6 bootstrap server that kafkajs could not split', async () => {
    const server = createServer((socket: Socket) => socket.end('hello'));
    server.listen(0, '::1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const config = buildKafkaConfig({ brokers: parseKafkaBrokers(`[::1]:${port}`), securityProtocol: 'PLAINTEXT' });
      const [entry] = config.brokers as string[];
      expect(entry.split(':')).toHaveLength(2);
      const [host, entryPort] = entry.split(':');
      const socket = config.socketFactory!({
        host,
        port: Number(entryPort),
        ssl: undefined as never,
        onConnect: () => undefined,
      });
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(socket, 'end');
      expect(Buffer.concat(chunks).toString()).toBe('hello');
      expect(socket.remoteAddress).toBe('::1');
      socket.destroy();
    } finally {
      server.close();
    }
  });
});

describe('describeKafkaSettings', () => {
  it('says how and where without the password', () => {
    const line = describeKafkaSettings({
      brokers: parseKafkaBrokers('[::1]:9093,b:9093'),
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'ledger', password: 'hunter2' },
      tls: {},
    });
    expect(line).toBe('SASL_SSL SCRAM-SHA-512 as ledger (system CAs) to [::1]:9093,b:9093');
    expect(line).not.toContain('hunter2');
  });
});
