import type { Allocation, LedgerEvent, MessageFacts } from '@ledger/contracts';
import { SUBSCRIBER, buyBoltOn, rate, sendMms, sendSms, stateAfter } from '../testing/rating.fixtures.js';
import { RatingInvariantError } from '../rating.errors.js';
import { evolve, initialSubscriberState } from './subscriber.state.js';

describe('subscriber state', () => {
  it('starts with no bolt-ons', () => {
    expect(initialSubscriberState(SUBSCRIBER)).toEqual({ msisdn: SUBSCRIBER, boltOns: [] });
  });

  it('holds a purchased bolt-on with all its units', () => {
    const state = stateAfter([
      buyBoltOn({ purchaseId: 'R-1', boltOn: 'GBP16', purchasedAt: '2003-04-01T09:00:00+01:00' }),
    ]);
    expect(state.boltOns).toEqual([
      {
        purchaseId: 'R-1',
        boltOn: 'GBP16',
        units: 400,
        unitsRemaining: 400,
        pricePence: 1600,
        purchasedAt: '2003-04-01T08:00:00Z',
        expiresAt: null,
      },
    ]);
  });

  it('takes the allocated units off the bolt-ons a charge used', () => {
    const state = stateAfter([buyBoltOn(), sendMms({ messageId: 'M-1' }), sendSms({ messageId: 'M-2' })]);
    expect(state.boltOns[0].unitsRemaining).toBe(45);
  });

  it.each(['MessageRecorded', 'MessageRejected', 'BoltOnPurchaseRejected', 'PAYG MessageCharged'])(
    'is unchanged by %s',
    (kind) => {
      const commands = {
        MessageRecorded: sendSms({ from: 'VODAFONE-UK' }),
        MessageRejected: sendSms({ from: 'VODAFONE-UK', to: 'ORANGE-UK' }),
        BoltOnPurchaseRejected: buyBoltOn({ boltOn: 'GBP4' }),
        'PAYG MessageCharged': sendSms(),
      } as const;
      const state = stateAfter([buyBoltOn({ purchasedAt: '2003-05-01T00:00:00Z' })]);
      expect(evolve(state, rate(commands[kind as keyof typeof commands], state))).toEqual(state);
    },
  );

  it('never changes the state it is given', () => {
    const state = stateAfter([buyBoltOn()]);
    const copy = structuredClone(state);
    evolve(state, rate(sendMms(), state));
    expect(state).toEqual(copy);
  });

  it.each<[string, LedgerEvent]>([
    ['an allocation from an unknown bolt-on', charge('R-9', 1)],
    ['an allocation of more units than remain', charge('R-0001', 51)],
  ])('refuses %s: units never go negative', (_case, event) => {
    expect(() => evolve(stateAfter([buyBoltOn()]), event)).toThrow(RatingInvariantError);
  });

  it('gives back the units a rerated message held and takes the ones it holds now', () => {
    // given 5 units used by M-1 (4) and M-2 (1)
    const state = stateAfter([buyBoltOn(), sendMms({ messageId: 'M-1' }), sendSms({ messageId: 'M-2' })]);
    // when M-1 is rerated to pay as you go
    const released = evolve(state, rerated([{ purchaseId: 'R-0001', units: 4, recognisedPence: 24 }], []));
    // then its 4 units are back
    expect(released.boltOns[0].unitsRemaining).toBe(49);
    const taken = evolve(released, rerated([], [{ purchaseId: 'R-0001', units: 4, recognisedPence: 24 }]));
    expect(taken.boltOns[0].unitsRemaining).toBe(45);
  });

  it('refuses a rerating onto a bolt-on the subscriber does not hold', () => {
    const state = stateAfter([buyBoltOn()]);
    expect(() => evolve(state, rerated([], [{ purchaseId: 'R-9', units: 1, recognisedPence: 0 }]))).toThrow(
      RatingInvariantError,
    );
  });

  it('refuses a second purchase under a purchaseId it holds', () => {
    const state = stateAfter([buyBoltOn()]);
    expect(() => evolve(state, rate(buyBoltOn()))).toThrow(RatingInvariantError);
  });
});

function charge(purchaseId: string, units: number): LedgerEvent {
  const event = rate(sendSms());
  if (event.type !== 'MessageCharged') throw new Error('expected a charge');
  return {
    type: 'MessageCharged',
    data: { ...event.data, units, pence: 0, allocations: [{ purchaseId, units, recognisedPence: 0 }] },
  };
}

function rerated(before: Allocation[], after: Allocation[]): LedgerEvent {
  const outcome = (allocations: Allocation[]) => ({
    status: 'CHARGED' as const,
    reason: null,
    units: allocations.reduce((sum, allocation) => sum + allocation.units, 0),
    pence: allocations.length === 0 ? 35 : 0,
    allocations,
  });
  const { message } = rate(sendMms({ messageId: 'M-1' })).data as { message: MessageFacts };
  return { type: 'MessageRerated', data: { runId: 'run-1', message, before: outcome(before), after: outcome(after) } };
}
