export * from './traffic-generator.js';
