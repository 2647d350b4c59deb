import type { LedgerEvent } from '@ledger/contracts';
import { parseTariff } from '../tariff/tariff.parser.js';
import { buyBoltOn, defaultTariffJson, runLedger, sendSms, SUBSCRIBER } from '../testing/rating.fixtures.js';
import type { RatingCommand } from '../commands/rating-command.js';

/** The default catalogue, with GBP3 (50 units, 300p) valid for 30 days from 2003-04-01. */
function tariffWithValidity(validityDays: unknown, extra: Record<string, unknown> = {}) {
  const json = defaultTariffJson();
  const boltOns = (json.boltOns as Record<string, unknown>[]).map((offer) =>
    offer.code === 'GBP3' ? { ...offer, validityDays, ...extra } : offer,
  );
  return parseTariff({ ...json, boltOns });
}
const thirtyDays = tariffWithValidity(30);

const PURCHASED = '2003-04-01T09:00:00Z';
const EXPIRES = '2003-05-01T09:00:00Z';

function eventsOf(commands: RatingCommand[], tariff = thirtyDays): LedgerEvent[] {
  return runLedger(commands, tariff).streams.get(SUBSCRIBER) ?? [];
}

describe('bolt-on validity (docs/CONTRACT.md section 10)', () => {
  it('records expiresAt = purchasedAt + validityDays x 24 h on the purchase', () => {
    // given a catalogue entry valid for 30 days; when it is bought at 09:00 on 1 April
    const [purchase] = eventsOf([buyBoltOn({ purchasedAt: PURCHASED })]);
    // then it expires at 09:00 on 1 May
    expect(purchase).toMatchObject({
      type: 'BoltOnPurchased',
      data: { pricePence: 300, units: 50, expiresAt: EXPIRES },
    });
  });

  it('records no expiresAt without validityDays (the default catalogue never expires)', () => {
    const [purchase] = eventsOf([buyBoltOn({ purchasedAt: PURCHASED })], parseTariff(defaultTariffJson()));
    expect(purchase.type).toBe('BoltOnPurchased');
    expect(purchase.data).not.toHaveProperty('expiresAt');
  });

  it.each([
    ['the instant of purchase', PURCHASED, 'units'],
    ['the day before expiry', '2003-04-30T09:00:00Z', 'units'],
    ['the day of expiry, before the instant', '2003-05-01T00:00:00Z', 'units'],
    ['the last millisecond before expiry', '2003-05-01T08:59:59.999Z', 'units'],
    ['the instant of expiry', EXPIRES, 'PAYG'],
    ['the day of expiry, after the instant', '2003-05-01T23:59:59Z', 'PAYG'],
    ['the day after expiry', '2003-05-02T09:00:00Z', 'PAYG'],
    ['before the purchase', '2003-04-01T08:59:59Z', 'PAYG'],
  ])('a text sent at %s (%s) is served by %s', (_when, sentAt, servedBy) => {
    // given a 30-day bolt-on bought at 09:00 on 1 April
    // when a text is sent at the instant
    const events = eventsOf([buyBoltOn({ purchasedAt: PURCHASED }), sendSms({ messageId: 'M-1', sentAt })]);
    // then units serve it only when purchasedAt <= sentAt < expiresAt
    const charged = events[1];
    if (charged.type !== 'MessageCharged') throw new Error(`expected MessageCharged, got ${charged.type}`);
    expect(charged.data.units > 0 ? 'units' : 'PAYG').toBe(servedBy);
    expect(charged.data.pence).toBe(servedBy === 'units' ? 0 : 10);
  });

  it('a message after expiry falls to a later, unexpired bolt-on, skipping the expired one', () => {
    // given an expired GBP3 (30 days) and a GBP5 (never expires) bought later
    const events = eventsOf([
      buyBoltOn({ purchaseId: 'R-1', boltOn: 'GBP3', purchasedAt: PURCHASED }),
      buyBoltOn({ purchaseId: 'R-2', boltOn: 'GBP5', purchasedAt: '2003-04-10T09:00:00Z' }),
      sendSms({ messageId: 'M-1', sentAt: '2003-04-20T09:00:00Z' }),
      sendSms({ messageId: 'M-2', sentAt: '2003-05-02T09:00:00Z' }),
    ]);
    // then before expiry the oldest serves; after it, the later one
    const allocations = events.flatMap((event) =>
      event.type === 'MessageCharged' ? [event.data.allocations.map((a) => a.purchaseId)] : [],
    );
    expect(allocations).toEqual([['R-1'], ['R-2']]);
  });

  it('validityDays is effective-dated: a purchase takes the validity of the entry in force at purchasedAt', () => {
    const json = defaultTariffJson();
    const boltOns = (json.boltOns as Record<string, unknown>[]).flatMap((offer) =>
      offer.code === 'GBP3'
        ? [
            { ...offer, effectiveUntil: '2003-06-01T00:00:00Z' },
            { ...offer, validityDays: 7, effectiveFrom: '2003-06-01T00:00:00Z', effectiveUntil: null },
          ]
        : [offer],
    );
    const tariff = parseTariff({ ...json, boltOns });
    const events = eventsOf(
      [
        buyBoltOn({ purchaseId: 'R-1', purchasedAt: '2003-05-31T23:59:59Z' }),
        buyBoltOn({ purchaseId: 'R-2', purchasedAt: '2003-06-01T00:00:00Z' }),
      ],
      tariff,
    );
    expect(events.map((event) => (event.data as { expiresAt?: string }).expiresAt ?? null)).toEqual([
      null,
      '2003-06-08T00:00:00Z',
    ]);
  });

  it.each([
    [0, 'must be at least 1'],
    [1.5, 'must be a whole number of days'],
    ['30', 'expected number'],
    [36501, 'must be at most 36500'],
  ])('refuses validityDays %p: %s', (validityDays, message) => {
    expect(() => tariffWithValidity(validityDays)).toThrow(message);
  });
});
