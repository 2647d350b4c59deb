import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { messageSentSchema, type LedgerEvent } from '@ledger/contracts';
import { inPlannedTransaction, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { LedgerWriter, type Decision } from '@ledger/app/rating/application/ledger-writer.service.js';
import { retryOnConflict } from '@ledger/app/rating/application/retry-on-conflict.js';
import {
  RejectionReplaysRepository,
  type ReplayableRejection,
} from '@ledger/app/rejections/read-model/rejection-replays.repository.js';
import { ReplayRejectionsCommand, type ReplayOutcome } from './replay-rejections.command.js';

const BATCH = 500;

/**
 * Takes the rejections oldest first, a batch per transaction, each locked so that two replays at
 * once never rate one twice; rates them with the writer and marks each with how it came out.
 */
@CommandHandler(ReplayRejectionsCommand)
export class ReplayRejectionsHandler implements ICommandHandler<ReplayRejectionsCommand> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly writer: LedgerWriter,
    private readonly replays: RejectionReplaysRepository,
  ) {}

  async execute({ window }: ReplayRejectionsCommand): Promise<ReplayOutcome> {
    const total: ReplayOutcome = { replayed: 0, charged: 0, recorded: 0, rejected: 0, stillUnrated: 0 };
    let afterId = '0';
    for (;;) {
      const batch = await retryOnConflict(() =>
        inPlannedTransaction(this.pool, 'keyed', (client) => this.replayBatch(client, window, afterId)),
      );
      if (batch.lastId === null) return total;
      afterId = batch.lastId;
      for (const outcome of batch.outcomes) {
        if (outcome === null) total.stillUnrated += 1;
        else {
          total.replayed += 1;
          total[outcome] += 1;
        }
      }
    }
  }

  private async replayBatch(
    client: PoolClient,
    window: ReplayRejectionsCommand['window'],
    afterId: string,
  ): Promise<{ lastId: string | null; outcomes: (keyof Omit<ReplayOutcome, 'replayed' | 'stillUnrated'> | null)[] }> {
    const rejections = await this.replays.next(client, window, afterId, BATCH);
    if (rejections.length === 0) return { lastId: null, outcomes: [] };
    const readable = rejections.flatMap((rejection) => {
      const message = parseMessage(rejection);
      return message
        ? [
            {
              rejection,
              request: { command: { type: 'RecordMessageSent' as const, message }, origin: rejection.origin },
            },
          ]
        : [];
    });
    const decisions = await this.writer.rate(
      client,
      readable.map(({ request }) => request),
      { keepRejections: false },
    );
    const marked = readable.flatMap(({ rejection }, index) => {
      const outcome = outcomeOf(decisions[index]);
      return outcome ? [{ id: rejection.id, outcome: outcome.text, status: outcome.status }] : [];
    });
    await this.replays.markReplayed(client, marked);
    return {
      lastId: rejections[rejections.length - 1].id,
      outcomes: readable.map((_, index) => outcomeOf(decisions[index])?.status ?? null),
    };
  }
}

/** Only a message can lack a price; anything else under the reason is left as it is. */
function parseMessage({ origin }: ReplayableRejection) {
  try {
    const parsed = messageSentSchema.safeParse(JSON.parse(origin.payload.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

type Counted = 'charged' | 'recorded' | 'rejected';
const COUNTED = { CHARGED: 'charged', RECORDED: 'recorded', REJECTED: 'rejected' } as const;

/** How a replayed input came out, as kept on its rejection; null while the tariff still has no answer. */
function outcomeOf(decision: Decision): { status: Counted; text: string } | null {
  switch (decision.outcome) {
    case 'unrated':
      return null;
    case 'conflict':
      return { status: 'rejected', text: `REJECTED ${decision.reason}` };
    case 'repeat':
      return describe(decision.first, 'REPEAT ');
    case 'new':
      return describe(decision.events[0], '');
  }
}

function describe(event: LedgerEvent, prefix: string): { status: Counted; text: string } {
  switch (event.type) {
    case 'MessageCharged':
      return { status: 'charged', text: `${prefix}CHARGED` };
    case 'MessageRecorded':
      return { status: 'recorded', text: `${prefix}RECORDED` };
    case 'MessageRejected':
    case 'BoltOnPurchaseRejected':
      return { status: 'rejected', text: `${prefix}REJECTED ${event.data.reason}` };
    case 'BoltOnPurchased':
      return { status: 'charged', text: `${prefix}CHARGED` };
    case 'MessageRerated': {
      const { status } = event.data.after;
      return { status: COUNTED[status], text: `${prefix}${status}` };
    }
  }
}
