import { loadLedgerConfig, weakApiKeyWarnings } from './ledger-config.js';

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
    ['KAFKA_BROKERS', { KAFKA_BROKERS: '::1:9092' }],
    [
      'KAFKA_SASL_PASSWORD',
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' },
    ],
    ['KAFKA_SSL_CA_FILE', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/nonexistent.pem' }],
    ['LEDGER_MIGRATE', { LEDGER_MIGRATE: 'no' }],
    ['MIGRATION_DATABASE_URL', { MIGRATION_DATABASE_URL: 'mysql://x' }],
    ['KAFKA_REPLICATION_FACTOR', { KAFKA_REPLICATION_FACTOR: '0' }],
    ['API_RATE_LIMIT', { API_RATE_LIMIT: '-5' }],
    ['HTTP_BODY_LIMIT_BYTES', { HTTP_BODY_LIMIT_BYTES: '10' }],
    ['DB_STATEMENT_TIMEOUT_MS', { DB_STATEMENT_TIMEOUT_MS: 'soon' }],
    ['METRICS_DOCS_REQUIRE_KEY', { METRICS_DOCS_REQUIRE_KEY: 'yes' }],
    ['KAFKA_PRODUCER_COMPRESSION', { KAFKA_PRODUCER_COMPRESSION: 'brotli' }],
    ['HEALTH_STALLED_PARTITION_SECONDS', { HEALTH_STALLED_PARTITION_SECONDS: '0' }],
    ['HEALTH_DEAD_LETTER_RELAY_SECONDS', { HEALTH_DEAD_LETTER_RELAY_SECONDS: 'soon' }],
    ['DEAD_LETTER_KAFKA_BROKERS', { DEAD_LETTER_KAFKA_BROKERS: 'nowhere' }],
    ['HEAP_GROWING_PERCENT', { HEAP_GROWING_PERCENT: '-1' }],
    ['HEAP_GROWING_PERCENT', { HEAP_GROWING_PERCENT: 'half' }],
  ])('refuses a bad %s and names it', (name, env) => {
    expect(() => loadLedgerConfig(env)).toThrow(name);
  });

  it('reads the Kafka security settings through @ledger/kafka-client, naming a bad one', () => {
    const config = loadLedgerConfig({
      KAFKA_BROKERS: '[::1]:9093,kafka-2:9093',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ledger',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(config.kafka.brokers).toEqual(['[::1]:9093', 'kafka-2:9093']);
    expect(config.kafka.client).toMatchObject({ securityProtocol: 'SASL_SSL', sasl: { username: 'ledger' } });
    expect(() => loadLedgerConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(
      'KAFKA_SASL_MECHANISM: is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
    );
    expect(() => loadLedgerConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', PORT: 'x' })).toThrow(/PORT: .*KAFKA_SASL/);
  });

  it('reads CURSOR_SECRET as a list, first signs, and refuses a short entry without echoing it', () => {
    const [one, two] = ['a'.repeat(32), 'b'.repeat(40)];
    expect(loadLedgerConfig({ CURSOR_SECRET: `${one}, ${two}` }).cursorSecrets).toEqual([one, two]);
    expect(loadLedgerConfig({}).cursorSecrets).toEqual([]);
    expect(() => loadLedgerConfig({ CURSOR_SECRET: `${one},tooshort` })).toThrow('CURSOR_SECRET: entry 2');
    expect(() => loadLedgerConfig({ CURSOR_SECRET: `${one},tooshort` })).not.toThrow(/tooshort/);
  });

  it('migrates at start unless LEDGER_MIGRATE=false, with MIGRATION_DATABASE_URL for the owner', () => {
    expect(loadLedgerConfig({}).migrateAtStart).toBe(true);
    const config = loadLedgerConfig({
      LEDGER_MIGRATE: 'false',
      DATABASE_URL: 'postgres://app@db/ledger',
      MIGRATION_DATABASE_URL: 'postgres://owner@db/ledger',
    });
    expect(config).toMatchObject({ migrateAtStart: false, migrationDatabaseUrl: 'postgres://owner@db/ledger' });
    expect(loadLedgerConfig({ DATABASE_URL: 'postgres://app@db/x' }).migrationDatabaseUrl).toBe('postgres://app@db/x');
  });

  it('bounds the heap growth at 150% unless told, 0 leaving it to V8', () => {
    expect(loadLedgerConfig({}).heapGrowingPercent).toBe(150);
    expect(loadLedgerConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadLedgerConfig({ HEAP_GROWING_PERCENT: '300' }).heapGrowingPercent).toBe(300);
  });

  it('has defaults for the HTTP edge and the database timeouts', () => {
    const config = loadLedgerConfig({});
    expect(config.http).toEqual({
      rateLimit: 1200,
      rateLimitWindowSeconds: 60,
      bodyLimitBytes: 65_536,
      opsNeedKey: false,
    });
    expect(config.database).toEqual({
      apiPoolSize: 4,
      statementTimeoutMs: 60_000,
      apiStatementTimeoutMs: 15_000,
      idleInTransactionTimeoutMs: 60_000,
    });
    expect(config.kafka).toMatchObject({ replicationFactor: undefined, minInsyncReplicas: undefined });
  });

  it('warns of every API key shorter than 24 characters by position and role, never the key', () => {
    const keys = loadLedgerConfig({
      LEDGER_API_KEYS: `admin:${'k'.repeat(24)},finance:short-key-1,retail:${'r'.repeat(23)}`,
    }).apiKeys;
    const warnings = weakApiKeyWarnings(keys);
    expect(warnings).toEqual([
      'LEDGER_API_KEYS entry 2 (finance) is 11 characters: use 24 or more random characters',
      'LEDGER_API_KEYS entry 3 (retail) is 23 characters: use 24 or more random characters',
    ]);
    expect(warnings.join()).not.toContain('short-key-1');
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
