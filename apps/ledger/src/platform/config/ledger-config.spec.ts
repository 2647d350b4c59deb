import { loadLedgerConfig } from './ledger-config.js';

describe('loadLedgerConfig', () => {
  it('applies the defaults of the specification', () => {
    const config = loadLedgerConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/ledger');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.kafka.groupId).toBe('message-ledger');
    expect(config.kafka.topicPrefix).toBe('');
    expect(config.apiKeys).toEqual([]);
  });

  it('logs JSON and leaves consumer lag out of readiness unless told otherwise', () => {
    const config = loadLedgerConfig({});
    expect(config.logFormat).toBe('json');
    expect(config.healthMaxLag).toBe(0);
  });

  it('reads the log format and the readiness lag bound', () => {
    const config = loadLedgerConfig({ LOG_FORMAT: 'pretty', HEALTH_MAX_LAG: '500' });
    expect(config.logFormat).toBe('pretty');
    expect(config.healthMaxLag).toBe(500);
  });

  it('compresses nothing it produces, and sends dead letters to KAFKA_BROKERS, unless told otherwise', () => {
    expect(loadLedgerConfig({}).kafka.producerCompression).toBe('none');
    expect(loadLedgerConfig({ KAFKA_BROKERS: 'a:1,b:2' }).kafka.deadLetterBrokers).toEqual(['a:1', 'b:2']);
    const told = loadLedgerConfig({ KAFKA_PRODUCER_COMPRESSION: 'zstd', DEAD_LETTER_KAFKA_BROKERS: 'c:3' });
    expect(told.kafka).toMatchObject({ producerCompression: 'zstd', deadLetterBrokers: ['c:3'] });
  });

  it('reads role:key pairs', () => {
    const config = loadLedgerConfig({ LEDGER_API_KEYS: 'finance:fin-key-123,admin:adm-key-456' });
    expect(config.apiKeys).toEqual([
      { role: 'finance', key: 'fin-key-123' },
      { role: 'admin', key: 'adm-key-456' },
    ]);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['KAFKA_BROKERS', { KAFKA_BROKERS: 'localhost' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['LEDGER_API_KEYS', { LEDGER_API_KEYS: 'boss:secret-key-1' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
    ['HEALTH_MAX_LAG', { HEALTH_MAX_LAG: '-1' }],
    ['KAFKA_PRODUCER_COMPRESSION', { KAFKA_PRODUCER_COMPRESSION: 'brotli' }],
    ['HEALTH_STALLED_PARTITION_SECONDS', { HEALTH_STALLED_PARTITION_SECONDS: '0' }],
    ['HEALTH_DEAD_LETTER_RELAY_SECONDS', { HEALTH_DEAD_LETTER_RELAY_SECONDS: 'soon' }],
    ['DEAD_LETTER_KAFKA_BROKERS', { DEAD_LETTER_KAFKA_BROKERS: 'nowhere' }],
  ])('refuses a bad %s and names it', (name, env) => {
    expect(() => loadLedgerConfig(env)).toThrow(name);
  });

  it('never repeats a key in its error message', () => {
    const refusal = (() => {
      try {
        loadLedgerConfig({ LEDGER_API_KEYS: 'finance:short' });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('a key of 5 characters was accepted');
    })();
    expect(refusal).toMatch(/LEDGER_API_KEYS.*8 or more characters/);
    expect(refusal).not.toMatch(/short/);
  });
});
