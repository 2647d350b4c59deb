import {
  AddEventTransactionIds1700000001200,
  CreateEventStore1700000000000,
  EventsRefuseTruncate1700000001340,
  LockStreamHeads1700000002100,
  PartitionEventStore1700000002000,
} from '@ledger/event-store';
import { CreateCursorSecrets1700000001330 } from './create-cursor-secrets.migration.js';
import { CreateIngestSafeguards1700000000300 } from './create-ingest-safeguards.migration.js';
import { AddValidityAndPeriods1700000001900 } from './add-validity-and-periods.migration.js';
import { CreateOutbox1700000000200 } from './create-outbox.migration.js';
import { CreateReadModels1700000000100 } from './create-read-models.migration.js';
import { ReadRatedFeedFromEventStore1700000001300 } from './read-rated-feed-from-event-store.migration.js';
import { CreateRejectionReplays1700000001700 } from './create-rejection-replays.migration.js';
import { CreateReratingRuns1700000001600 } from './create-rerating-runs.migration.js';
import { CreateTariffVersions1700000001500 } from './create-tariff-versions.migration.js';

/** Every schema change, in order. */
export const MIGRATIONS = [
  CreateEventStore1700000000000,
  CreateReadModels1700000000100,
  CreateOutbox1700000000200,
  CreateIngestSafeguards1700000000300,
  AddEventTransactionIds1700000001200,
  ReadRatedFeedFromEventStore1700000001300,
  CreateCursorSecrets1700000001330,
  EventsRefuseTruncate1700000001340,
  CreateTariffVersions1700000001500,
  CreateReratingRuns1700000001600,
  CreateRejectionReplays1700000001700,
  AddValidityAndPeriods1700000001900,
  PartitionEventStore1700000002000,
  LockStreamHeads1700000002100,
];
