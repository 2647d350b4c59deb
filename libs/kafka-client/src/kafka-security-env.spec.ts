import { KafkaClientConfigError } from './kafka-client.errors.js';
import { parseKafkaSecurityEnv, type KafkaEnv } from './kafka-security-env.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const files: Record<string, string> = { '/tls/ca.pem': CERT, '/tls/client.pem': CERT, '/tls/client.key': KEY };

function readFake(path: string): string {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
}

const parse = (env: KafkaEnv) => parseKafkaSecurityEnv(env, readFake);

function errorOf(env: KafkaEnv): KafkaClientConfigError {
  try {
    parse(env);
  } catch (error) {
    if (error instanceof KafkaClientConfigError) return error;
    throw error;
  }
  throw new Error('expected a KafkaClientConfigError');
}

const SASL_SSL: KafkaEnv = {
  KAFKA_BROKERS: 'broker:9093',
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: 'ledger',
  KAFKA_SASL_PASSWORD: 's3cret',
};

describe('parseKafkaSecurityEnv', () => {
  it('defaults to PLAINTEXT on 127.0.0.1:9092 with nothing set', () => {
    expect(parse({})).toEqual({ brokers: [{ host: '127.0.0.1', port: 9092 }], securityProtocol: 'PLAINTEXT' });
  });

  it('treats blank variables as unset', () => {
    expect(parse({ KAFKA_BROKERS: ' ', KAFKA_SECURITY_PROTOCOL: '', KAFKA_SSL_CA_FILE: '' })).toEqual(parse({}));
  });

  it('reads SASL_SSL with SCRAM and the system CAs when no CA file is given', () => {
    expect(parse(SASL_SSL)).toEqual({
      brokers: [{ host: 'broker', port: 9093 }],
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'ledger', password: 's3cret' },
      tls: { ca: undefined, cert: undefined, key: undefined },
    });
  });

  it('accepts the names in any case and keeps the password exactly', () => {
    const settings = parse({
      ...SASL_SSL,
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_PASSWORD: ' spaced ',
    });
    expect(settings.sasl).toEqual({ mechanism: 'PLAIN', username: 'ledger', password: ' spaced ' });
  });

  it('reads the CA and the client certificate for mutual TLS', () => {
    const settings = parse({
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_FILE: '/tls/ca.pem',
      KAFKA_SSL_CERT_FILE: '/tls/client.pem',
      KAFKA_SSL_KEY_FILE: '/tls/client.key',
    });
    expect(settings.tls).toEqual({ ca: CERT, cert: CERT, key: KEY });
    expect(settings.sasl).toBeUndefined();
  });

  it.each<[string, KafkaEnv, string]>([
    ['an unknown protocol', { KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL'],
    ['SASL_SSL without a mechanism', { ...SASL_SSL, KAFKA_SASL_MECHANISM: undefined }, 'KAFKA_SASL_MECHANISM'],
    ['an unknown mechanism', { ...SASL_SSL, KAFKA_SASL_MECHANISM: 'GSSAPI' }, 'KAFKA_SASL_MECHANISM'],
    ['SASL without a username', { ...SASL_SSL, KAFKA_SASL_USERNAME: '' }, 'KAFKA_SASL_USERNAME'],
    ['SASL without a password', { ...SASL_SSL, KAFKA_SASL_PASSWORD: undefined }, 'KAFKA_SASL_PASSWORD'],
    ['a mechanism over PLAINTEXT', { KAFKA_SASL_MECHANISM: 'PLAIN' }, 'KAFKA_SASL_MECHANISM'],
    ['a username over SSL', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_USERNAME: 'x' }, 'KAFKA_SASL_USERNAME'],
    ['a CA file over PLAINTEXT', { KAFKA_SSL_CA_FILE: '/tls/ca.pem' }, 'KAFKA_SSL_CA_FILE'],
    [
      'a CA file over SASL_PLAINTEXT',
      { ...SASL_SSL, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_FILE: '/tls/ca.pem' },
      'KAFKA_SSL_CA_FILE',
    ],
    ['a certificate without its key', { ...SASL_SSL, KAFKA_SSL_CERT_FILE: '/tls/client.pem' }, 'KAFKA_SSL_KEY_FILE'],
    ['a key without its certificate', { ...SASL_SSL, KAFKA_SSL_KEY_FILE: '/tls/client.key' }, 'KAFKA_SSL_CERT_FILE'],
    ['a missing CA file', { ...SASL_SSL, KAFKA_SSL_CA_FILE: '/tls/nope.pem' }, 'KAFKA_SSL_CA_FILE'],
    ['a key where the CA belongs', { ...SASL_SSL, KAFKA_SSL_CA_FILE: '/tls/client.key' }, 'KAFKA_SSL_CA_FILE'],
    [
      'a certificate where the key belongs',
      { ...SASL_SSL, KAFKA_SSL_CERT_FILE: '/tls/client.pem', KAFKA_SSL_KEY_FILE: '/tls/ca.pem' },
      'KAFKA_SSL_KEY_FILE',
    ],
    ['a bad broker entry', { KAFKA_BROKERS: 'a:1,b' }, 'KAFKA_BROKERS'],
  ])('refuses %s, naming the variable', (_case, env, variable) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('says which file it could not read and why', () => {
    expect(errorOf({ ...SASL_SSL, KAFKA_SSL_CA_FILE: '/tls/nope.pem' }).message).toBe(
      'KAFKA_SSL_CA_FILE: cannot read /tls/nope.pem (ENOENT)',
    );
    expect(errorOf({ ...SASL_SSL, KAFKA_SSL_CA_FILE: '/tls/client.key' }).message).toBe(
      'KAFKA_SSL_CA_FILE: /tls/client.key holds no PEM certificate',
    );
  });

  it('lists the allowed values for a bad protocol', () => {
    expect(errorOf({ KAFKA_SECURITY_PROTOCOL: 'TLS' }).message).toBe(
      'KAFKA_SECURITY_PROTOCOL: "TLS" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
    );
    expect(errorOf({ ...SASL_SSL, KAFKA_SASL_MECHANISM: undefined }).message).toContain(
      'is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
    );
  });
});
