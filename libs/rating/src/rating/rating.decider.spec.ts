import type { LedgerEvent, MessageCharged, Network } from '@ledger/contracts';
import {
  FRIEND,
  SUBSCRIBER,
  buyBoltOn,
  defaultTariff,
  defaultTariffJson,
  holding,
  rate,
  sendMessage,
  sendMms,
  sendSms,
  stateAfter,
  stateWith,
} from '../testing/rating.fixtures.js';
import { evolve, initialSubscriberState } from '../subscriber/subscriber.state.js';
import { RatingInvariantError, RatingRejectionError } from '../rating.errors.js';
import { parseTariff } from '../tariff/tariff.parser.js';
import { subscriberOf } from '../commands/rating-command.js';
import { decide, fingerprintOf, fingerprintOfEvent } from './rating.decider.js';

const BEFORE_JANUARY = '2002-12-31T23:59:59.999Z';
const JANUARY = '2003-01-01T00:00:00Z';
const BEFORE_VODAFONE = '2003-03-27T23:59:59.999Z';
const VODAFONE_DAY = '2003-03-28T00:00:00Z';
const BEFORE_LAUNCH = '2003-03-31T23:59:59.999Z';
const LAUNCH = '2003-04-01T00:00:00Z';

const outcomeOf = (event: LedgerEvent): string =>
  event.type === 'MessageRejected' || event.type === 'BoltOnPurchaseRejected'
    ? `${event.type} ${event.data.reason}`
    : event.type;

function charged(event: LedgerEvent): MessageCharged['data'] {
  if (event.type !== 'MessageCharged') throw new Error(`expected MessageCharged, got ${outcomeOf(event)}`);
  return event.data;
}

describe('decide: bolt-on purchases (rule 1)', () => {
  it.each([
    ['GBP3', 300, 50],
    ['GBP5', 500, 100],
    ['GBP7', 700, 150],
    ['GBP9', 900, 200],
    ['GBP16', 1600, 400],
  ])('sells %s for %ip with %i units from the instant of 2003-04-01', (boltOn, pricePence, units) => {
    // given a purchase on launch day, when it is rated
    const event = rate(buyBoltOn({ purchaseId: 'R-1', boltOn, purchasedAt: LAUNCH }));
    // then the catalogue sets price and units
    expect(event).toEqual({
      type: 'BoltOnPurchased',
      data: {
        purchaseId: 'R-1',
        msisdn: SUBSCRIBER,
        boltOn,
        units,
        pricePence,
        purchasedAt: LAUNCH,
      },
    });
  });

  it.each(['GBP3', 'GBP5', 'GBP7', 'GBP9', 'GBP16'])('rejects %s bought the instant before 2003-04-01', (boltOn) => {
    const event = rate(buyBoltOn({ boltOn, purchasedAt: BEFORE_LAUNCH }));
    expect(event).toEqual({
      type: 'BoltOnPurchaseRejected',
      data: {
        purchaseId: 'R-0001',
        msisdn: SUBSCRIBER,
        boltOn,
        purchasedAt: BEFORE_LAUNCH,
        reason: 'BOLT_ON_NOT_AVAILABLE',
      },
    });
  });

  it.each(['GBP4', 'gbp3', 'GBP 3', 'BIG'])('rejects %s, which is not in the catalogue', (boltOn) => {
    expect(outcomeOf(rate(buyBoltOn({ boltOn, purchasedAt: '2003-05-01T00:00:00Z' })))).toBe(
      'BoltOnPurchaseRejected BOLT_ON_NOT_AVAILABLE',
    );
  });

  it('takes price and units from the catalogue in force at purchasedAt', () => {
    // given a tariff whose GBP3 changes on 2003-06-01
    const json = defaultTariffJson() as unknown as { boltOns: Record<string, unknown>[] };
    json.boltOns[0].effectiveUntil = '2003-06-01T00:00:00Z';
    json.boltOns.push({
      code: 'GBP3',
      pricePence: 350,
      units: 60,
      effectiveFrom: '2003-06-01T00:00:00Z',
      effectiveUntil: null,
    });
    const tariff = parseTariff(json);
    // when GBP3 is bought either side of the change, then each gets the offer of its instant
    const before = rate(buyBoltOn({ purchasedAt: '2003-05-31T23:59:59.999Z' }), undefined, tariff);
    const after = rate(buyBoltOn({ purchasedAt: '2003-06-01T00:00:00Z' }), undefined, tariff);
    expect(before.data).toMatchObject({ pricePence: 300, units: 50 });
    expect(after.data).toMatchObject({ pricePence: 350, units: 60 });
  });
});

describe('decide: who pays (rule 2)', () => {
  it.each<[Network, Network, string]>([
    ['O2-UK', 'O2-UK', 'MessageCharged'],
    ['O2-UK', 'VODAFONE-UK', 'MessageCharged'],
    ['O2-UK', 'THREE-UK', 'MessageCharged'],
    ['O2-UK', 'OTHER', 'MessageCharged'],
    ['VODAFONE-UK', 'O2-UK', 'MessageRecorded'],
    ['THREE-UK', 'O2-UK', 'MessageRecorded'],
    ['OTHER', 'O2-UK', 'MessageRecorded'],
    ['VODAFONE-UK', 'ORANGE-UK', 'MessageRejected NOT_O2_TRAFFIC'],
    ['THREE-UK', 'THREE-UK', 'MessageRejected NOT_O2_TRAFFIC'],
    ['OTHER', 'TMOBILE-UK', 'MessageRejected NOT_O2_TRAFFIC'],
  ])('rates an SMS from %s to %s as %s', (from, to, expected) => {
    expect(outcomeOf(rate(sendSms({ from, to })))).toBe(expected);
  });

  it('records inbound traffic without a charge and without touching the bolt-ons', () => {
    // given a subscriber with a bolt-on
    const state = stateWith(holding());
    // when a message reaches O2 from Vodafone under that msisdn
    const event = rate(sendMms({ from: 'VODAFONE-UK', to: 'O2-UK' }), state);
    // then it is recorded, and the state is as it was
    expect(event).toEqual({
      type: 'MessageRecorded',
      data: { message: sendMms({ from: 'VODAFONE-UK', to: 'O2-UK' }).message },
    });
    expect(evolve(state, event)).toEqual(state);
  });
});

describe('decide: MMS interconnect (rule 3)', () => {
  it.each<[Network, string, string]>([
    ['ORANGE-UK', BEFORE_JANUARY, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['ORANGE-UK', JANUARY, 'MessageCharged'],
    ['TMOBILE-UK', BEFORE_JANUARY, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['TMOBILE-UK', JANUARY, 'MessageCharged'],
    ['VODAFONE-UK', JANUARY, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['VODAFONE-UK', BEFORE_VODAFONE, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['VODAFONE-UK', VODAFONE_DAY, 'MessageCharged'],
    ['THREE-UK', LAUNCH, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['THREE-UK', '2003-06-30T12:00:00Z', 'MessageRejected NO_MMS_INTERCONNECT'],
    ['OTHER', LAUNCH, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['O2-UK', '2002-06-01T00:00:00Z', 'MessageCharged'],
    ['O2-UK', BEFORE_JANUARY, 'MessageCharged'],
  ])('rates an outbound MMS to %s at %s as %s', (to, sentAt, expected) => {
    expect(outcomeOf(rate(sendMms({ to, sentAt })))).toBe(expected);
  });

  it.each<[Network, string, string]>([
    ['ORANGE-UK', BEFORE_JANUARY, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['ORANGE-UK', JANUARY, 'MessageRecorded'],
    ['TMOBILE-UK', BEFORE_JANUARY, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['TMOBILE-UK', JANUARY, 'MessageRecorded'],
    ['VODAFONE-UK', BEFORE_VODAFONE, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['VODAFONE-UK', VODAFONE_DAY, 'MessageRecorded'],
    ['THREE-UK', LAUNCH, 'MessageRejected NO_MMS_INTERCONNECT'],
    ['OTHER', LAUNCH, 'MessageRejected NO_MMS_INTERCONNECT'],
  ])('rates an inbound MMS from %s at %s as %s', (from, sentAt, expected) => {
    expect(outcomeOf(rate(sendMms({ from, to: 'O2-UK', sentAt })))).toBe(expected);
  });

  it.each<Network>(['THREE-UK', 'OTHER', 'VODAFONE-UK'])('interconnects SMS with %s at any time', (network) => {
    expect(outcomeOf(rate(sendSms({ to: network, sentAt: BEFORE_JANUARY })))).toBe('MessageCharged');
    expect(outcomeOf(rate(sendSms({ from: network, to: 'O2-UK', sentAt: BEFORE_JANUARY })))).toBe('MessageRecorded');
  });

  it('charges nothing for a rejected MMS and takes no units', () => {
    const state = stateWith(holding());
    const event = rate(sendMms({ to: 'THREE-UK' }), state);
    expect(event.type).toBe('MessageRejected');
    expect(evolve(state, event)).toEqual(state);
  });
});

describe('decide: MMS roaming (rule 4)', () => {
  it.each(['IE', 'DE', 'NL', 'FR', 'IT', 'ES', 'HK'])(
    'charges the home price for an MMS sent roaming in %s',
    (roamingCountry) => {
      expect(charged(rate(sendMms({ roamingCountry, sentAt: LAUNCH })))).toMatchObject({ pence: 35, units: 0 });
    },
  );

  it.each([
    ['US', LAUNCH],
    ['JP', LAUNCH],
    ['IE', BEFORE_JANUARY],
  ])('rejects an outbound MMS sent roaming in %s at %s', (roamingCountry, sentAt) => {
    expect(outcomeOf(rate(sendMms({ roamingCountry, sentAt })))).toBe('MessageRejected ROAMING_NOT_SUPPORTED');
  });

  it('allows MMS roaming in a listed country from the instant of 2003-01-01', () => {
    expect(charged(rate(sendMms({ roamingCountry: 'IE', sentAt: JANUARY })))).toMatchObject({ pence: 70 });
  });

  it.each(['US', 'JP', 'IE'])('charges an SMS sent roaming in %s like one sent at home', (roamingCountry) => {
    expect(charged(rate(sendSms({ roamingCountry, sentAt: LAUNCH })))).toMatchObject({ pence: 10, units: 0 });
  });

  it('takes the same units for an MMS sent roaming in a listed country', () => {
    expect(charged(rate(sendMms({ roamingCountry: 'FR' }), stateWith(holding()))).units).toBe(4);
  });

  it('does not apply roaming rules to inbound MMS', () => {
    expect(outcomeOf(rate(sendMms({ from: 'VODAFONE-UK', to: 'O2-UK', roamingCountry: 'US' })))).toBe(
      'MessageRecorded',
    );
  });
});

describe('decide: units first (rule 5)', () => {
  it.each([
    ['SMS', 1],
    ['MMS', 4],
  ] as const)('takes %s units from a bolt-on at no charge', (kind, units) => {
    // given a GBP3 bought at launch, when a message is sent the next day
    const state = stateAfter([buyBoltOn({ purchasedAt: LAUNCH })]);
    const event = charged(rate(sendMessage({ kind }), state));
    // then it costs nothing and takes its units
    expect(event).toMatchObject({ pence: 0, units, allocations: [{ purchaseId: 'R-0001', units }] });
  });

  it('spans two bolt-ons when the oldest holds too few', () => {
    const state = stateWith(
      holding({ purchaseId: 'R-1', unitsRemaining: 2 }),
      holding({
        purchaseId: 'R-2',
        boltOn: 'GBP5',
        pricePence: 500,
        units: 100,
        purchasedAt: '2003-04-02T00:00:00Z',
      }),
    );
    const event = charged(rate(sendMms({ sentAt: '2003-04-03T00:00:00Z' }), state));
    expect(event).toMatchObject({
      pence: 0,
      units: 4,
      allocations: [
        { purchaseId: 'R-1', units: 2, recognisedPence: 300 - 288 },
        { purchaseId: 'R-2', units: 2, recognisedPence: 10 },
      ],
    });
    expect(
      evolve(state, rate(sendMms({ sentAt: '2003-04-03T00:00:00Z' }), state)).boltOns.map((b) => b.unitsRemaining),
    ).toEqual([0, 98]);
  });

  it('takes no units at all when the bolt-ons hold too few: 3 units and an MMS pay 35p', () => {
    const state = stateWith(holding({ unitsRemaining: 3 }));
    const event = rate(sendMms(), state);
    expect(charged(event)).toMatchObject({ pence: 35, units: 0, allocations: [] });
    expect(evolve(state, event)).toEqual(state);
  });

  it('still takes an SMS from 3 remaining units', () => {
    expect(charged(rate(sendSms(), stateWith(holding({ unitsRemaining: 3 }))))).toMatchObject({ pence: 0, units: 1 });
  });

  it('takes the last 4 units exactly for an MMS', () => {
    const state = stateWith(holding({ unitsRemaining: 4 }));
    const event = rate(sendMms(), state);
    expect(charged(event)).toMatchObject({ pence: 0, units: 4 });
    expect(evolve(state, event).boltOns[0].unitsRemaining).toBe(0);
  });

  it('skips used-up bolt-ons', () => {
    const state = stateWith(
      holding({ purchaseId: 'R-1', unitsRemaining: 0 }),
      holding({ purchaseId: 'R-2', purchasedAt: '2003-04-01T10:00:00Z' }),
    );
    expect(charged(rate(sendSms(), state)).allocations).toEqual([{ purchaseId: 'R-2', units: 1, recognisedPence: 6 }]);
  });

  it.each([
    ['the instant before', '2003-04-10T08:59:59.999Z', 'PAYG'],
    ['the instant of', '2003-04-10T09:00:00Z', 'units'],
  ])('lets a message sent %s the purchase use it or not', (_when, sentAt, expected) => {
    // given a bolt-on bought later than a message recorded afterwards
    const state = stateWith(holding({ purchasedAt: '2003-04-10T09:00:00Z' }));
    const event = charged(rate(sendSms({ sentAt }), state));
    expect(event.pence === 0 ? 'units' : 'PAYG').toBe(expected);
  });

  it('takes from the oldest purchasedAt first, whatever the order the purchases were recorded in', () => {
    const state = stateWith(
      holding({ purchaseId: 'R-9', purchasedAt: '2003-04-05T00:00:00Z' }),
      holding({ purchaseId: 'R-1', purchasedAt: '2003-04-03T00:00:00Z' }),
    );
    expect(charged(rate(sendSms({ sentAt: '2003-04-06T00:00:00Z' }), state)).allocations[0].purchaseId).toBe('R-1');
  });

  it.each([[['R-2', 'R-10']], [['R-10', 'R-2']]])(
    'breaks a purchasedAt tie by purchaseId as strings (recorded as %j)',
    (ids) => {
      const state = stateWith(...ids.map((purchaseId) => holding({ purchaseId })));
      expect(charged(rate(sendSms(), state)).allocations[0].purchaseId).toBe('R-10');
    },
  );

  it.each([
    ['GBP3', [6, 6, 6, 6]],
    ['GBP5', [5, 5, 5, 5]],
    ['GBP7', [4, 5, 5, 4]],
    ['GBP9', [4, 5, 4, 5]],
    ['GBP16', [4, 4, 4, 4]],
  ])('recognises the floor of price x used / units for each SMS of a %s: %j', (boltOn, expected) => {
    let state = stateAfter([buyBoltOn({ boltOn, purchasedAt: LAUNCH })]);
    const recognised = expected.map((_, i) => {
      const event = rate(sendSms({ messageId: `M-${i}` }), state);
      state = evolve(state, event);
      return charged(event).allocations[0].recognisedPence;
    });
    expect(recognised).toEqual(expected);
  });

  it('recognises exactly the price of a GBP7 once its 150 units are used, a penny moving at the floor', () => {
    // given a GBP7 = 700p for 150 units
    let state = stateAfter([buyBoltOn({ boltOn: 'GBP7', purchasedAt: LAUNCH })]);
    const perMessage: number[] = [];
    // when 150 SMS use it up
    for (let i = 0; i < 150; i++) {
      const event = rate(sendSms({ messageId: `M-${i}` }), state);
      state = evolve(state, event);
      perMessage.push(charged(event).allocations[0].recognisedPence);
    }
    // then the cumulative sums are floor(700 c / 150): 4, 9, 14, 18, ... 700
    const cumulative = perMessage.map((_, i) => perMessage.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(cumulative.slice(0, 4)).toEqual([4, 9, 14, 18]);
    expect(cumulative.at(-1)).toBe(700);
    expect(state.boltOns[0].unitsRemaining).toBe(0);
    // and the next SMS pays as it goes
    expect(charged(rate(sendSms({ messageId: 'M-150' }), state))).toMatchObject({ pence: 10, units: 0 });
  });

  it('recognises an MMS over one bolt-on in one step: 4 units of a GBP7 are 18p', () => {
    expect(
      charged(rate(sendMms(), stateWith(holding({ boltOn: 'GBP7', pricePence: 700, units: 150 })))).allocations,
    ).toEqual([{ purchaseId: 'R-0001', units: 4, recognisedPence: 18 }]);
  });
});

describe('decide: pay as you go (rule 6)', () => {
  it.each([
    ['MMS', '2000-01-01T00:00:00Z', 70],
    ['MMS', BEFORE_LAUNCH, 70],
    ['MMS', LAUNCH, 35],
    ['MMS', '2003-06-30T23:59:59.999Z', 35],
    ['SMS', '2000-01-01T00:00:00Z', 10],
    ['SMS', BEFORE_LAUNCH, 10],
    ['SMS', LAUNCH, 10],
  ] as const)('charges an %s sent at %s %ip', (kind, sentAt, pence) => {
    const event = rate(sendMessage({ kind, sentAt }));
    expect(event).toEqual({
      type: 'MessageCharged',
      data: {
        message: sendMessage({ kind, sentAt }).message,
        units: 0,
        pence,
        allocations: [],
      },
    });
  });

  it('throws a typed error when no price of the kind is in force', () => {
    let thrown: unknown;
    try {
      rate(sendSms({ sentAt: '1999-12-31T23:59:59.999Z' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RatingRejectionError);
    expect(thrown).toMatchObject({
      code: 'NO_PAYG_PRICE',
      message: expect.stringContaining('no SMS price in force at 1999'),
    });
  });
});

describe('decide: duplicates (rule 7, checked first)', () => {
  const first = (command: Parameters<typeof rate>[0]) => ({ event: rate(command) });

  it('answers a repeated message with the first outcome and changes nothing', () => {
    const command = sendMms();
    const prior = first(command);
    expect(decide(command, initialSubscriberState(SUBSCRIBER), defaultTariff, prior)).toEqual({
      outcome: 'repeat',
      first: prior.event,
    });
  });

  it('treats the same instant written with another offset as the same content', () => {
    const prior = first(sendSms({ sentAt: '2003-04-02T10:15:00Z' }));
    expect(
      decide(sendSms({ sentAt: '2003-04-02T11:15:00+01:00' }), initialSubscriberState(SUBSCRIBER), defaultTariff, prior)
        .outcome,
    ).toBe('repeat');
  });

  it('rejects a messageId reused with other content, and the first stands', () => {
    const prior = first(sendSms());
    expect(
      decide(sendSms({ sentAt: '2003-04-02T10:15:01Z' }), initialSubscriberState(SUBSCRIBER), defaultTariff, prior),
    ).toEqual({
      outcome: 'conflict',
      reason: 'DUPLICATE_CONFLICT',
      first: prior.event,
    });
  });

  it('rejects a rejected purchase again when it is repeated', () => {
    const command = buyBoltOn({ purchasedAt: BEFORE_LAUNCH });
    const prior = first(command);
    expect(prior.event.type).toBe('BoltOnPurchaseRejected');
    expect(decide(command, initialSubscriberState(SUBSCRIBER), defaultTariff, prior)).toEqual({
      outcome: 'repeat',
      first: prior.event,
    });
  });

  it('rejects a purchaseId reused for another bolt-on', () => {
    const prior = first(buyBoltOn({ boltOn: 'GBP3' }));
    expect(
      decide(buyBoltOn({ boltOn: 'GBP5' }), initialSubscriberState(SUBSCRIBER), defaultTariff, prior).outcome,
    ).toBe('conflict');
  });
});

describe('decide: rule precedence', () => {
  it.each([
    [
      'NOT_O2_TRAFFIC before NO_MMS_INTERCONNECT',
      sendMms({ from: 'THREE-UK', to: 'OTHER' }),
      'MessageRejected NOT_O2_TRAFFIC',
    ],
    [
      'NO_MMS_INTERCONNECT before ROAMING_NOT_SUPPORTED',
      sendMms({ to: 'THREE-UK', roamingCountry: 'US' }),
      'MessageRejected NO_MMS_INTERCONNECT',
    ],
    ['NO_MMS_INTERCONNECT before units', sendMms({ to: 'OTHER' }), 'MessageRejected NO_MMS_INTERCONNECT'],
    ['ROAMING_NOT_SUPPORTED before units', sendMms({ roamingCountry: 'US' }), 'MessageRejected ROAMING_NOT_SUPPORTED'],
  ])('applies %s', (_rule, command, expected) => {
    expect(outcomeOf(rate(command, stateWith(holding())))).toBe(expected);
  });

  it.each([
    ['a message that would be NOT_O2_TRAFFIC', sendMms({ from: 'THREE-UK', to: 'OTHER' })],
    ['an MMS that would be NO_MMS_INTERCONNECT', sendMms({ to: 'THREE-UK' })],
    ['a purchase that would be BOLT_ON_NOT_AVAILABLE', buyBoltOn({ boltOn: 'GBP4' })],
  ])('checks duplicates before everything: %s under a used id conflicts', (_case, command) => {
    const prior = { event: rate(sendSms()) };
    expect(decide(command, initialSubscriberState(subscriberOf(command)), defaultTariff, prior).outcome).toBe(
      'conflict',
    );
  });
});

describe('fingerprints', () => {
  it.each([
    ['an MMS', sendMms()],
    ['a roaming SMS', sendSms({ roamingCountry: 'FR' })],
    ['a rejected MMS', sendMms({ to: 'THREE-UK' })],
    ['a purchase', buyBoltOn()],
    ['a rejected purchase', buyBoltOn({ boltOn: 'GBP4' })],
  ])('reads the same fingerprint back from the stored event of %s', (_case, command) => {
    const [event] = (
      decide(command, initialSubscriberState(subscriberOf(command)), defaultTariff) as { events: LedgerEvent[] }
    ).events;
    // As the event store hands it back: JSON text parsed again.
    const stored = JSON.parse(JSON.stringify(event)) as LedgerEvent;
    expect(fingerprintOfEvent(stored)).toBe(fingerprintOf(command));
  });
});

describe('decide: streams', () => {
  it('rates every message on the stream of its sender, inbound or rejected', () => {
    const inbound = sendSms({ sender: FRIEND, from: 'THREE-UK', to: 'O2-UK' });
    expect(() => decide(inbound, initialSubscriberState(SUBSCRIBER), defaultTariff)).toThrow(RatingInvariantError);
    expect(outcomeOf(rate(inbound, initialSubscriberState(FRIEND)))).toBe('MessageRecorded');
  });
});
