export * from './kafka-brokers.js';
export * from './kafka-client.errors.js';
export * from './kafka-config.js';
export * from './kafka-security-env.js';
