import { CreateEventStore1700000000000 } from '@ledger/event-store';
import { CreateReadModels1700000000100 } from './create-read-models.migration.js';

/** Every schema change, in order. */
export const MIGRATIONS = [CreateEventStore1700000000000, CreateReadModels1700000000100];
