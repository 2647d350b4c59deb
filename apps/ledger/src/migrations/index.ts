import { CreateEventStore1700000000000, EventsRefuseTruncate1700000001310 } from '@ledger/event-store';
import { CreateCursorSecrets1700000001300 } from './create-cursor-secrets.migration.js';
import { CreateOutbox1700000000200 } from './create-outbox.migration.js';
import { CreateReadModels1700000000100 } from './create-read-models.migration.js';

/** Every schema change, in order. */
export const MIGRATIONS = [
  CreateEventStore1700000000000,
  CreateReadModels1700000000100,
  CreateOutbox1700000000200,
  CreateCursorSecrets1700000001300,
  EventsRefuseTruncate1700000001310,
];
