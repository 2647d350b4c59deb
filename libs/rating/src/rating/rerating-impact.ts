import type { MessageRerated, RatedOutcome } from '@ledger/contracts';

/** How many changes a run lists with their before and after (docs/CONTRACT.md section 8.2). */
export const LISTED_CHANGES = 1000;

export interface DayDelta {
  date: string;
  paygPenceDelta: number;
  recognisedBoltOnPenceDelta: number;
}

export interface ReratingChange {
  messageId: string;
  before: RatedOutcome;
  after: RatedOutcome;
}

/** What a run does, or would do, to the ledger's figures. */
export interface ReratingImpact {
  messagesExamined: number;
  messagesChanged: number;
  penceDelta: number;
  unitsDelta: number;
  /** Every UTC day of sentAt whose PAYG or recognised revenue moves, in date order. */
  days: DayDelta[];
  /** The first LISTED_CHANGES changes, subscriber by subscriber in the ledger's order. */
  changes: ReratingChange[];
}

export const noImpact = (): ReratingImpact => ({
  messagesExamined: 0,
  messagesChanged: 0,
  penceDelta: 0,
  unitsDelta: 0,
  days: [],
  changes: [],
});

const recognised = (outcome: RatedOutcome): number =>
  outcome.allocations.reduce((sum, allocation) => sum + allocation.recognisedPence, 0);

/** The impact with one more subscriber's rerating added: a pure fold, so dry run and apply count alike. */
export function addToImpact(
  impact: ReratingImpact,
  messagesExamined: number,
  events: readonly MessageRerated[],
): ReratingImpact {
  const days = new Map(impact.days.map((day) => [day.date, { ...day }]));
  let { penceDelta, unitsDelta } = impact;
  const changes = [...impact.changes];
  for (const { data } of events) {
    const pence = data.after.pence - data.before.pence;
    const recognisedPence = recognised(data.after) - recognised(data.before);
    penceDelta += pence;
    unitsDelta += data.after.units - data.before.units;
    const date = data.message.sentAt.slice(0, 10);
    const day = days.get(date) ?? { date, paygPenceDelta: 0, recognisedBoltOnPenceDelta: 0 };
    day.paygPenceDelta += pence;
    day.recognisedBoltOnPenceDelta += recognisedPence;
    days.set(date, day);
    if (changes.length < LISTED_CHANGES) {
      changes.push({ messageId: data.message.messageId, before: data.before, after: data.after });
    }
  }
  return {
    messagesExamined: impact.messagesExamined + messagesExamined,
    messagesChanged: impact.messagesChanged + events.length,
    penceDelta,
    unitsDelta,
    days: [...days.values()]
      .filter((day) => day.paygPenceDelta !== 0 || day.recognisedBoltOnPenceDelta !== 0)
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
    changes,
  };
}
