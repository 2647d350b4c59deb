import type { MessageFacts, MessageRerated, RatedOutcome } from '@ledger/contracts';
import { LISTED_CHANGES, addToImpact, noImpact } from './rerating-impact.js';

const message = (messageId: string, sentAt: string): MessageFacts => ({
  messageId,
  kind: 'MMS',
  sentAt,
  sender: { msisdn: '447700900123', network: 'O2-UK' },
  recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
  roamingCountry: null,
  mms: { sizeBytes: 1, content: ['image'] },
});
const payg = (pence: number): RatedOutcome => ({ status: 'CHARGED', reason: null, units: 0, pence, allocations: [] });
const units = (count: number, recognisedPence: number): RatedOutcome => ({
  status: 'CHARGED',
  reason: null,
  units: count,
  pence: 0,
  allocations: [{ purchaseId: 'R-1', units: count, recognisedPence }],
});
const refused: RatedOutcome = {
  status: 'REJECTED',
  reason: 'NO_MMS_INTERCONNECT',
  units: 0,
  pence: 0,
  allocations: [],
};
const rerated = (id: string, sentAt: string, before: RatedOutcome, after: RatedOutcome): MessageRerated => ({
  type: 'MessageRerated',
  data: { runId: 'run-1', message: message(id, sentAt), before, after },
});

describe('the impact of a rerating run', () => {
  it('sums the pence and units moved, and the PAYG and recognised revenue per UTC day of sentAt', () => {
    // given a refused MMS now on 4 units (recognising 24p), and an MMS that moved from those units to 35p
    const impact = addToImpact(noImpact(), 5, [
      rerated('M-1', '2003-04-10T10:00:00Z', refused, units(4, 24)),
      rerated('M-2', '2003-04-11T23:59:59.999Z', units(4, 24), payg(35)),
    ]);
    expect(impact).toEqual({
      messagesExamined: 5,
      messagesChanged: 2,
      penceDelta: 35,
      unitsDelta: 0,
      days: [
        { date: '2003-04-10', paygPenceDelta: 0, recognisedBoltOnPenceDelta: 24 },
        { date: '2003-04-11', paygPenceDelta: 35, recognisedBoltOnPenceDelta: -24 },
      ],
      changes: [
        { messageId: 'M-1', before: refused, after: units(4, 24) },
        { messageId: 'M-2', before: units(4, 24), after: payg(35) },
      ],
    });
  });

  it('adds subscriber after subscriber, leaving out a day whose figures do not move', () => {
    const first = addToImpact(noImpact(), 2, [rerated('M-1', '2003-04-10T10:00:00Z', payg(70), payg(35))]);
    const both = addToImpact(first, 3, [
      rerated('M-2', '2003-04-10T11:00:00Z', payg(35), payg(70)),
      rerated('M-3', '2003-04-09T11:00:00Z', refused, { ...refused, status: 'RECORDED', reason: null }),
    ]);
    expect(both).toMatchObject({ messagesExamined: 5, messagesChanged: 3, penceDelta: 0, unitsDelta: 0, days: [] });
    expect(both.changes.map((change) => change.messageId)).toEqual(['M-1', 'M-2', 'M-3']);
  });

  it(`lists the first ${LISTED_CHANGES} changes and counts them all`, () => {
    const events = Array.from({ length: LISTED_CHANGES + 5 }, (_, i) =>
      rerated(`M-${i}`, '2003-04-10T10:00:00Z', payg(70), payg(35)),
    );
    const impact = addToImpact(noImpact(), events.length, events);
    expect(impact.messagesChanged).toBe(LISTED_CHANGES + 5);
    expect(impact.changes).toHaveLength(LISTED_CHANGES);
    expect(impact.changes[0].messageId).toBe('M-0');
    expect(impact.penceDelta).toBe(-35 * (LISTED_CHANGES + 5));
  });
});
