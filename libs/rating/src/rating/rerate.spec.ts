import type { LedgerEvent, MessageRerated } from '@ledger/contracts';
import type { RatingCommand } from '../commands/rating-command.js';
import { RatingRejectionError } from '../rating.errors.js';
import { evolve, initialSubscriberState } from '../subscriber/subscriber.state.js';
import { parseTariff } from '../tariff/tariff.parser.js';
import {
  SUBSCRIBER,
  buyBoltOn,
  defaultTariff,
  defaultTariffJson,
  runLedger,
  sendMms,
  sendSms,
} from '../testing/rating.fixtures.js';
import { rerate } from './rerate.js';

/** A catalogue of one small bolt-on (8 units for 100p), so that two MMS fight over its units. */
function tariffWith(overrides: Record<string, unknown>) {
  const json = defaultTariffJson();
  return parseTariff({
    ...json,
    boltOns: [{ code: 'GBP3', pricePence: 100, units: 6, effectiveFrom: '2003-04-01T00:00:00Z', effectiveUntil: null }],
    ...overrides,
  });
}
// The agreement with Vodafone UK entered a month late: MMS to Vodafone in April were refused.
const lateVodafone = tariffWith({
  mmsInterconnects: [
    { network: 'ORANGE-UK', effectiveFrom: '2003-01-01T00:00:00Z', effectiveUntil: null },
    { network: 'TMOBILE-UK', effectiveFrom: '2003-01-01T00:00:00Z', effectiveUntil: null },
    { network: 'VODAFONE-UK', effectiveFrom: '2003-05-01T00:00:00Z', effectiveUntil: null },
  ],
});
const rightVodafone = tariffWith({});
const RUN = { runId: 'run-1', tariffVersion: 2 };

const streamOf = (commands: RatingCommand[], tariff = lateVodafone): LedgerEvent[] =>
  runLedger(commands, tariff).streams.get(SUBSCRIBER) ?? [];

describe('rerate (decide again from a date, re-evolving the units)', () => {
  const history = [
    buyBoltOn({ purchaseId: 'R-1', purchasedAt: '2003-04-01T09:00:00Z' }),
    sendMms({ messageId: 'M-1', sentAt: '2003-04-10T10:00:00Z', to: 'VODAFONE-UK' }),
    sendMms({ messageId: 'M-2', sentAt: '2003-04-11T10:00:00Z', to: 'O2-UK' }),
    sendSms({ messageId: 'M-3', sentAt: '2003-04-12T10:00:00Z', to: 'O2-UK' }),
  ];

  it('re-sequences bolt-on units: a refused MMS now takes the units a later MMS had, which falls back to PAYG', () => {
    // given M-1 refused (no agreement yet), M-2 on 4 of the 6 units and M-3 on the 5th
    const stream = streamOf(history);
    // when the ledger rerates from 1 April under the tariff with the right date
    const { messagesExamined, events } = rerate(stream, rightVodafone, '2003-04-01T00:00:00Z', RUN);
    // then M-1 takes 4 units, M-2 finds only 2 left and pays 35p
    expect(messagesExamined).toBe(3);
    expect(events.map((event) => event.data.message.messageId)).toEqual(['M-1', 'M-2']);
    const [first, second] = events.map((event) => event.data);
    expect(first).toEqual({
      runId: 'run-1',
      tariffVersion: 2,
      message: expect.objectContaining({ messageId: 'M-1' }),
      before: { status: 'REJECTED', reason: 'NO_MMS_INTERCONNECT', units: 0, pence: 0, allocations: [] },
      after: {
        status: 'CHARGED',
        reason: null,
        units: 4,
        pence: 0,
        allocations: [{ purchaseId: 'R-1', units: 4, recognisedPence: 66 }],
      },
    });
    expect(second).toMatchObject({
      before: {
        status: 'CHARGED',
        units: 4,
        pence: 0,
        allocations: [{ purchaseId: 'R-1', units: 4, recognisedPence: 66 }],
      },
      after: { status: 'CHARGED', reason: null, units: 0, pence: 35, allocations: [] },
    });
    // and M-3 still takes the 5th unit, recognising floor(100 x 5 / 6) - floor(100 x 4 / 6) = 17p: unchanged, no event
  });

  it('rerates a message that keeps its units when the revenue its use recognises moves', () => {
    // given, under the right tariff, M-1 on units 1-4 and the texts M-2 and M-3 on units 5 and 6
    const texts = [
      history[0],
      history[1],
      sendSms({ messageId: 'M-2', sentAt: '2003-04-11T10:00:00Z', to: 'O2-UK' }),
      sendSms({ messageId: 'M-3', sentAt: '2003-04-12T10:00:00Z', to: 'O2-UK' }),
    ];
    const stream = streamOf(texts, rightVodafone);
    // when rerated under the late agreement, M-1 is refused and the texts use units 1 and 2
    const { events } = rerate(stream, lateVodafone, '2003-04-01T00:00:00Z', RUN);
    // then M-2 recognises floor(100/6) = 16p instead of 83 - 66 = 17p; M-3 recognises 33 - 16 = 17p as before
    expect(events.map(({ data }) => [data.message.messageId, data.after.status, data.after.allocations])).toEqual([
      ['M-1', 'REJECTED', []],
      ['M-2', 'CHARGED', [{ purchaseId: 'R-1', units: 1, recognisedPence: 16 }]],
    ]);
    expect(events[1].data.before.allocations).toEqual([{ purchaseId: 'R-1', units: 1, recognisedPence: 17 }]);
  });

  it('appends nothing when the tariff decides every message as before', () => {
    const stream = streamOf(history);
    expect(rerate(stream, lateVodafone, '2003-04-01T00:00:00Z', RUN)).toEqual({ messagesExamined: 3, events: [] });
  });

  it('appends once when applied twice: the second run finds the corrected outcomes already in the stream', () => {
    const stream = streamOf(history);
    const once = rerate(stream, rightVodafone, '2003-04-01T00:00:00Z', RUN);
    const corrected = [...stream, ...once.events];
    const twice = rerate(corrected, rightVodafone, '2003-04-01T00:00:00Z', { runId: 'run-2', tariffVersion: 2 });
    expect(once.events).toHaveLength(2);
    expect(twice.events).toEqual([]);
  });

  it('starts at the first message in the ledger order with sentAt >= from and decides every later one again', () => {
    // given M-1 on 10 April, then M-0 sent on 5 April but recorded after it (a late arrival)
    const stream = streamOf([
      buyBoltOn({ purchaseId: 'R-1' }),
      sendMms({ messageId: 'M-1', sentAt: '2003-04-10T10:00:00Z', to: 'VODAFONE-UK' }),
      sendMms({ messageId: 'M-0', sentAt: '2003-04-05T10:00:00Z', to: 'VODAFONE-UK' }),
    ]);
    // when rerating from 8 April
    const { messagesExamined, events } = rerate(stream, rightVodafone, '2003-04-08T00:00:00Z', RUN);
    // then both are decided again, in the ledger's order: M-1 takes the units, M-0 pays
    expect(messagesExamined).toBe(2);
    expect(
      events.map(({ data }) => [data.message.messageId, data.after.status, data.after.units, data.after.pence]),
    ).toEqual([
      ['M-1', 'CHARGED', 4, 0],
      ['M-0', 'CHARGED', 0, 35],
    ]);
  });

  it('keeps messages recorded before the first one from the date as they are, units and all', () => {
    const stream = streamOf(history);
    // when rerating from 11 April only, M-1 (10 April) stays refused and M-2 keeps the units
    const { messagesExamined, events } = rerate(stream, rightVodafone, '2003-04-11T00:00:00Z', RUN);
    expect(messagesExamined).toBe(2);
    expect(events).toEqual([]);
  });

  it('keeps the price and units a bolt-on was sold with, whatever the new catalogue says', () => {
    const stream = streamOf(history);
    // when the new catalogue sells GBP3 as 50 units for 900p
    const dearer = tariffWith({
      boltOns: [
        { code: 'GBP3', pricePence: 900, units: 50, effectiveFrom: '2003-04-01T00:00:00Z', effectiveUntil: null },
      ],
    });
    const { events } = rerate(stream, dearer, '2003-04-01T00:00:00Z', RUN);
    // then R-1 still holds 6 units at 100p: M-1 recognises floor(100 x 4 / 6) = 66p and M-2 finds too few units
    expect(events.map(({ data }) => [data.message.messageId, data.after.pence, data.after.allocations])).toEqual([
      ['M-1', 0, [{ purchaseId: 'R-1', units: 4, recognisedPence: 66 }]],
      ['M-2', 35, []],
    ]);
  });

  it('decides recorded and rejected messages again too', () => {
    const stream = streamOf([
      sendMms({
        messageId: 'IN-1',
        sender: SUBSCRIBER,
        from: 'VODAFONE-UK',
        to: 'O2-UK',
        sentAt: '2003-04-10T10:00:00Z',
      }),
    ]);
    // an inbound MMS from Vodafone was refused without the agreement, and is recorded with it
    const { events } = rerate(stream, rightVodafone, '2003-04-01T00:00:00Z', RUN);
    expect(events.map(({ data }) => [data.before.status, data.after.status])).toEqual([['REJECTED', 'RECORDED']]);
  });

  it('folds into the state of rating everything under the new tariff', () => {
    const stream = streamOf(history);
    const { events } = rerate(stream, rightVodafone, '2003-04-01T00:00:00Z', RUN);
    const folded = [...stream, ...events].reduce(evolve, initialSubscriberState(SUBSCRIBER));
    expect(folded).toEqual(runLedger(history, rightVodafone).states.get(SUBSCRIBER));
  });

  it('refuses the whole run when the tariff has no price for one of the messages, appending none', () => {
    const stream = streamOf(history);
    const noMmsPrice = tariffWith({
      paygPrices: [
        ...defaultTariff.paygPrices.filter((price) => price.kind === 'SMS'),
        { kind: 'MMS', pricePence: 35, effectiveFrom: '2003-05-01T00:00:00Z', effectiveUntil: null },
      ],
    });
    expect(() => rerate(stream, noMmsPrice, '2003-04-01T00:00:00Z', RUN)).toThrow(RatingRejectionError);
  });

  it('answers nothing for a subscriber with no message from the date', () => {
    expect(rerate(streamOf(history), rightVodafone, '2003-05-01T00:00:00Z', RUN)).toEqual({
      messagesExamined: 0,
      events: [] satisfies MessageRerated[],
    });
    expect(rerate([], rightVodafone, '2003-05-01T00:00:00Z', RUN)).toEqual({ messagesExamined: 0, events: [] });
  });
});
