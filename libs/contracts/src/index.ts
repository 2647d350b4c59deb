export * from './networks.js';
export * from './topics.js';
export * from './inputs.js';
export * from './events.js';
export * from './errors.js';
