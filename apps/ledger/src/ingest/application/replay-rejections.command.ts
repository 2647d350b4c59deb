import { Command } from '@nestjs/cqrs';
import type { ReplayWindow } from '@ledger/app/rejections/read-model/rejection-replays.repository.js';

/** What a replay did: every rejection taken once, by how it came out now. */
export interface ReplayOutcome {
  replayed: number;
  charged: number;
  recorded: number;
  rejected: number;
  /** Still without an answer from the current tariff: left as they were, for a later replay. */
  stillUnrated: number;
}

/** Rate again, in the order received and as if they arrived now, the inputs the tariff could not rate (docs/CONTRACT.md section 8.3). */
export class ReplayRejectionsCommand extends Command<ReplayOutcome> {
  constructor(readonly window: ReplayWindow) {
    super();
  }
}
