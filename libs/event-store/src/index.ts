export * from './stored-event.js';
export * from './postgres-event-store.js';
export * from './create-event-store.migration.js';
export * from './events-refuse-truncate.migration.js';
export * from './add-transaction-ids.migration.js';
export * from './event-partitions.js';
export * from './partition-event-store.migration.js';
export * from './event-archive.js';
