export * from './stored-event.js';
export * from './postgres-event-store.js';
export * from './create-event-store.migration.js';
export * from './add-transaction-ids.migration.js';
