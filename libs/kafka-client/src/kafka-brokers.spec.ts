import { formatKafkaBroker, parseKafkaBrokers } from './kafka-brokers.js';
import { KafkaClientConfigError } from './kafka-client.errors.js';

describe('parseKafkaBrokers', () => {
  it('reads IPv4, hostnames and bracketed IPv6, trimming spaces', () => {
    expect(parseKafkaBrokers('127.0.0.1:9092, kafka-1.example.com:9093 ,[::1]:9094,localhost:1')).toEqual([
      { host: '127.0.0.1', port: 9092 },
      { host: 'kafka-1.example.com', port: 9093 },
      { host: '::1', port: 9094 },
      { host: 'localhost', port: 1 },
    ]);
  });

  it.each([
    ['127.0.0.1', 'entry 1 "127.0.0.1" is not host:port (the port is missing)'],
    ['a:9092,b', 'entry 2 "b" is not host:port'],
    ['a:9092,,b:9092', 'entry 2 is empty'],
    ['::1:9092', 'write it in brackets, e.g. [::1]:9092'],
    ['[nothost]:9092', 'has brackets but no IPv6 address inside them'],
    ['[::1]', 'is not host:port'],
    ['[::1]:70000', 'needs a port from 1 to 65535'],
    ['kafka:0', 'entry 1 "kafka:0" needs a port from 1 to 65535'],
    ['kafka:9o92', 'needs a port from 1 to 65535'],
    ['bad_host:9092', '"bad_host", which is neither a hostname nor an IPv4 address'],
    ['-kafka:9092', 'neither a hostname nor an IPv4 address'],
    ['kafka://broker:9092', 'is a URL: give host:port without a scheme'],
    ['a:b:9092', 'neither a hostname'],
    [' , ', 'is empty: give at least one host:port'],
  ])('refuses %j, naming the variable and the entry', (value, message) => {
    expect(() => parseKafkaBrokers(value)).toThrow(KafkaClientConfigError);
    expect(() => parseKafkaBrokers(value)).toThrow(message);
    expect(() => parseKafkaBrokers(value)).toThrow(/^KAFKA_BROKERS: /);
  });

  it('names another variable when asked to', () => {
    expect(() => parseKafkaBrokers('nope', 'BENCH_BROKERS')).toThrow(/^BENCH_BROKERS: entry 1/);
  });

  it('formats back to host:port with brackets for IPv6', () => {
    expect(parseKafkaBrokers('[::1]:9092,10.0.0.1:9092').map(formatKafkaBroker)).toEqual([
      '[::1]:9092',
      '10.0.0.1:9092',
    ]);
  });
});
