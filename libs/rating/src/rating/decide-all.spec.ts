import type { LedgerEvent } from '@ledger/contracts';
import { messageKey, purchaseKey } from '@ledger/contracts';
import {
  FRIEND,
  SUBSCRIBER,
  buyBoltOn,
  defaultTariff,
  holding,
  rate,
  sendSms,
  stateWith,
} from '../testing/rating.fixtures.js';
import { RatingInvariantError } from '../rating.errors.js';
import { initialSubscriberState } from '../subscriber/subscriber.state.js';
import type { PriorOutcome } from './rating.decider.js';
import { decideAll, type SubscriberStream } from './decide-all.js';

const NO_PRICE_YET = '1999-12-31T23:59:59.999Z';
const noPriors = new Map<string, PriorOutcome>();
const streamsOf = (...streams: SubscriberStream[]): Map<string, SubscriberStream> =>
  new Map(streams.map((stream) => [stream.state.msisdn, stream]));

describe('decideAll: a batch decided in order', () => {
  it('rates each message against the state the earlier messages of the batch left', () => {
    // given a subscriber at version 7 holding one unit
    const streams = streamsOf({ state: stateWith(holding({ units: 50, unitsRemaining: 1 })), version: 7 });
    // when two texts are decided in one batch
    const { decisions, events } = decideAll(
      [sendSms({ messageId: 'M-1' }), sendSms({ messageId: 'M-2' })],
      streams,
      defaultTariff,
      noPriors,
    );
    // then the first takes the last unit and the second pays, at the next two versions
    expect(decisions.map((decision) => decision.outcome)).toEqual(['new', 'new']);
    expect(
      events.map(({ commandIndex, streamVersion, idempotencyKey }) => [commandIndex, streamVersion, idempotencyKey]),
    ).toEqual([
      [0, 8, messageKey('M-1')],
      [1, 9, messageKey('M-2')],
    ]);
    expect(events.map(({ event }) => event.type === 'MessageCharged' && [event.data.units, event.data.pence])).toEqual([
      [1, 0],
      [0, 10],
    ]);
  });

  it('keeps a version per subscriber, and starts a subscriber it was not given at version 0', () => {
    // given one subscriber loaded at version 3 and another never seen
    const streams = streamsOf({ state: initialSubscriberState(SUBSCRIBER), version: 3 });
    // when both send in one interleaved batch
    const { events, streams: after } = decideAll(
      [sendSms({ messageId: 'M-1' }), sendSms({ messageId: 'M-2', sender: FRIEND }), sendSms({ messageId: 'M-3' })],
      streams,
      defaultTariff,
      noPriors,
    );
    // then each stream counts on from its own version
    expect(events.map(({ msisdn, streamVersion }) => [msisdn, streamVersion])).toEqual([
      [SUBSCRIBER, 4],
      [FRIEND, 1],
      [SUBSCRIBER, 5],
    ]);
    expect(after.get(SUBSCRIBER)?.version).toBe(5);
    expect(after.get(FRIEND)).toEqual({ state: initialSubscriberState(FRIEND), version: 1 });
  });

  it('hands back the state after the batch: units bought early in the batch are spent later in it', () => {
    // given nothing held; when a bolt-on is bought and then a text sent
    const { events, streams } = decideAll(
      [buyBoltOn({ purchaseId: 'R-1', purchasedAt: '2003-04-01T09:00:00Z' }), sendSms({ messageId: 'M-1' })],
      new Map(),
      defaultTariff,
      noPriors,
    );
    // then the text took a unit of it and the state says 49 are left
    expect(events[1].event).toMatchObject({ type: 'MessageCharged', data: { units: 1, pence: 0 } });
    expect(streams.get(SUBSCRIBER)?.state.boltOns.map((held) => held.unitsRemaining)).toEqual([49]);
  });
});

describe('decideAll: repeats and conflicts', () => {
  it('answers an id repeated within the batch with the event decided for its first, and appends nothing more', () => {
    // when the same text arrives twice in one batch
    const { decisions, events } = decideAll([sendSms(), sendSms()], new Map(), defaultTariff, noPriors);
    // then the second is a repeat of the first's event
    expect(events).toHaveLength(1);
    expect(decisions[1]).toEqual({ outcome: 'repeat', first: events[0].event });
  });

  it('rejects an id reused with other content within the batch, and the first stands', () => {
    const { decisions, events } = decideAll(
      [sendSms({ sentAt: '2003-04-02T10:15:00Z' }), sendSms({ sentAt: '2003-04-02T10:15:01Z' })],
      new Map(),
      defaultTariff,
      noPriors,
    );
    expect(events).toHaveLength(1);
    expect(decisions[1]).toEqual({ outcome: 'conflict', reason: 'DUPLICATE_CONFLICT', first: events[0].event });
  });

  it('answers an id the ledger already holds from the priors, without an event or a new version', () => {
    // given the ledger already holds the purchase
    const command = buyBoltOn({ purchaseId: 'R-9' });
    const priors = new Map([[purchaseKey('R-9'), { event: rate(command) }]]);
    const streams = streamsOf({ state: initialSubscriberState(SUBSCRIBER), version: 1 });
    // when it comes again
    const decided = decideAll([command], streams, defaultTariff, priors);
    // then it is a repeat and the stream stays where it was
    expect(decided.decisions).toEqual([{ outcome: 'repeat', first: priors.get(purchaseKey('R-9'))?.event }]);
    expect(decided.events).toEqual([]);
    expect(decided.streams.get(SUBSCRIBER)?.version).toBe(1);
  });
});

describe('decideAll: inputs the tariff cannot rate', () => {
  it('sets aside a text with no price in force as unrated and goes on with the batch', () => {
    // when a text from before any SMS price sits between two rateable ones
    const { decisions, events } = decideAll(
      [
        sendSms({ messageId: 'M-1' }),
        sendSms({ messageId: 'M-2', sentAt: NO_PRICE_YET }),
        sendSms({ messageId: 'M-3' }),
      ],
      new Map(),
      defaultTariff,
      noPriors,
    );
    // then it alone is unrated, says why, and takes no version
    expect(decisions[1]).toEqual({
      outcome: 'unrated',
      reason: 'NO_PAYG_PRICE',
      detail: expect.stringContaining('no SMS price in force at 1999-12-31T23:59:59.999Z'),
    });
    expect(events.map(({ commandIndex, streamVersion }) => [commandIndex, streamVersion])).toEqual([
      [0, 1],
      [2, 2],
    ]);
  });

  it('lets the same id be rated later in the batch once it was unrated, since nothing was recorded for it', () => {
    const { decisions } = decideAll(
      [sendSms({ sentAt: NO_PRICE_YET }), sendSms({ sentAt: NO_PRICE_YET })],
      new Map(),
      defaultTariff,
      noPriors,
    );
    expect(decisions.map((decision) => decision.outcome)).toEqual(['unrated', 'unrated']);
  });
});

describe('decideAll: invariant violations stop the batch', () => {
  it('throws when a stream is filed under another subscriber', () => {
    // given the friend's state filed under the subscriber's number
    const streams = new Map([[SUBSCRIBER, { state: initialSubscriberState(FRIEND), version: 0 }]]);
    // when the subscriber's text is decided, then it throws rather than rate on the wrong state
    expect(() => decideAll([sendSms()], streams, defaultTariff, noPriors)).toThrow(
      expect.objectContaining({ code: 'WRONG_SUBSCRIBER' }),
    );
    expect(() => decideAll([sendSms()], streams, defaultTariff, noPriors)).toThrow(RatingInvariantError);
  });

  it('throws when the state already holds a bolt-on the ledger has no record of buying', () => {
    // given a state holding R-1 but no prior outcome for R-1: the two disagree
    const streams = streamsOf({ state: stateWith(holding({ purchaseId: 'R-1' })), version: 1 });
    expect(() => decideAll([buyBoltOn({ purchaseId: 'R-1' })], streams, defaultTariff, noPriors)).toThrow(
      expect.objectContaining({ name: 'RatingInvariantError', code: 'INCONSISTENT_STREAM' }),
    );
  });
});

describe('decideAll: purity', () => {
  it('changes neither the streams nor the priors it was given', () => {
    const state = stateWith(holding({ units: 50, unitsRemaining: 2 }));
    const streams = streamsOf({ state, version: 4 });
    const priorEvent: LedgerEvent = rate(buyBoltOn({ purchaseId: 'R-7' }));
    const priors = new Map([[purchaseKey('R-7'), { event: priorEvent }]]);
    const streamsBefore = structuredClone([...streams]);
    const priorsBefore = structuredClone([...priors]);

    const decided = decideAll(
      [sendSms({ messageId: 'M-1' }), sendSms({ messageId: 'M-1' }), buyBoltOn({ purchaseId: 'R-7' })],
      streams,
      defaultTariff,
      priors,
    );

    expect(decided.events).toHaveLength(1);
    expect([...streams]).toEqual(streamsBefore);
    expect([...priors]).toEqual(priorsBefore);
    expect(streams.get(SUBSCRIBER)?.state).toBe(state);
    expect(decided.streams).not.toBe(streams);
  });
});
