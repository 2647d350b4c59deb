import { defaultTariff } from '../testing/rating.fixtures.js';
import { boltOnOffer, hasMmsInterconnect, inForce, mmsRoamingAllowed, paygPrice } from './tariff.lookups.js';

const BEFORE = (instant: string): string => new Date(Date.parse(instant) - 1).toISOString();

describe('the default tariff (SPEC section 1)', () => {
  it.each([
    ['GBP3', 300, 50],
    ['GBP5', 500, 100],
    ['GBP7', 700, 150],
    ['GBP9', 900, 200],
    ['GBP16', 1600, 400],
  ])('offers %s for %ip and %i units from 2003-04-01, not the instant before', (code, pricePence, units) => {
    expect(boltOnOffer(defaultTariff, code, '2003-04-01T00:00:00Z')).toMatchObject({ pricePence, units });
    expect(boltOnOffer(defaultTariff, code, '2003-03-31T23:59:59.999Z')).toBeUndefined();
  });

  it('uses 1 unit per SMS and 4 per MMS', () => {
    expect(defaultTariff.unitsPerMessage).toEqual({ SMS: 1, MMS: 4 });
  });

  it.each([
    ['MMS', '2000-01-01T00:00:00Z', 70],
    ['MMS', '2003-03-31T23:59:59.999Z', 70],
    ['MMS', '2003-04-01T00:00:00Z', 35],
    ['SMS', '2000-01-01T00:00:00Z', 10],
    ['SMS', '2003-04-01T00:00:00Z', 10],
  ] as const)('prices a PAYG %s at %s %ip', (kind, at, pence) => {
    expect(paygPrice(defaultTariff, kind, at)?.pricePence).toBe(pence);
  });

  it.each([
    ['ORANGE-UK', '2003-01-01T00:00:00Z'],
    ['TMOBILE-UK', '2003-01-01T00:00:00Z'],
    ['VODAFONE-UK', '2003-03-28T00:00:00Z'],
  ] as const)('interconnects MMS with %s from %s, not the instant before', (network, from) => {
    expect(hasMmsInterconnect(defaultTariff, network, from)).toBe(true);
    expect(hasMmsInterconnect(defaultTariff, network, BEFORE(from))).toBe(false);
  });

  it.each(['THREE-UK', 'OTHER'] as const)('never interconnects MMS with %s', (network) => {
    expect(hasMmsInterconnect(defaultTariff, network, '2003-06-30T00:00:00Z')).toBe(false);
  });

  it('always interconnects O2-UK with itself', () => {
    expect(hasMmsInterconnect(defaultTariff, 'O2-UK', '1990-01-01T00:00:00Z')).toBe(true);
  });

  it.each(['IE', 'DE', 'NL', 'FR', 'IT', 'ES', 'HK'])('allows MMS roaming in %s from 2003-01-01', (country) => {
    expect(mmsRoamingAllowed(defaultTariff, country, '2003-01-01T00:00:00Z')).toBe(true);
    expect(mmsRoamingAllowed(defaultTariff, country, '2002-12-31T23:59:59.999Z')).toBe(false);
  });

  it.each(['US', 'GB', 'JP'])('does not allow MMS roaming in %s', (country) => {
    expect(mmsRoamingAllowed(defaultTariff, country, '2003-04-01T00:00:00Z')).toBe(false);
  });
});

describe('inForce', () => {
  const period = { effectiveFrom: '2003-04-01T00:00:00Z', effectiveUntil: '2003-05-01T00:00:00Z' };

  it.each([
    ['2003-03-31T23:59:59.999Z', false],
    ['2003-04-01T00:00:00Z', true],
    ['2003-04-30T23:59:59.999Z', true],
    ['2003-05-01T00:00:00Z', false],
  ])('treats effectiveFrom as inclusive and effectiveUntil as exclusive: %s -> %p', (at, expected) => {
    expect(inForce(period, at)).toBe(expected);
  });

  it('keeps an open-ended entry in force for ever', () => {
    expect(inForce({ ...period, effectiveUntil: null }, '9999-12-31T23:59:59.999Z')).toBe(true);
  });
});
