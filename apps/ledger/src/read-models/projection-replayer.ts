import type { FinanceEvent, LedgerEvent } from '@ledger/contracts';
import type { PostgresEventStore } from '@ledger/event-store';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Projection } from './projection.js';

export interface ReplayProgress {
  replayed: number;
  total: number;
}

export const PAGE = 5000;

/** Feeds the whole event store, in global order, through the projections, a page at a time. */
export async function replayAll(
  client: PoolClient,
  eventStore: PostgresEventStore,
  projections: readonly Projection[],
  onProgress: (progress: ReplayProgress) => void,
): Promise<number> {
  const totalResult = await client.query<{ total: string }>('SELECT count(*) AS total FROM events');
  const total = Number(totalResult.rows[0].total);
  let position = 0n;
  let replayed = 0;
  for (;;) {
    const page = await eventStore.readAll(client, position, PAGE);
    if (page.length === 0) break;
    // A run's reratings of one subscriber are projected together, as they were appended: one may take
    // units the next gives back, so a page must not end inside them.
    while (page.length % PAGE === 0 && page[page.length - 1].type === 'MessageRerated') {
      const more = await eventStore.readAll(client, page[page.length - 1].globalPosition, PAGE);
      if (more.length === 0) break;
      page.push(...more);
    }
    const recorded = page.map((stored) => ({
      globalPosition: stored.globalPosition,
      event: { type: stored.type, data: stored.data } as LedgerEvent | FinanceEvent,
    }));
    for (const projection of projections) await projection.apply(client, recorded);
    position = page[page.length - 1].globalPosition;
    replayed += page.length;
    onProgress({ replayed, total });
  }
  return replayed;
}

export const readModelTables = (projections: readonly Projection[]): string[] =>
  projections.flatMap((projection) => projection.tables);
