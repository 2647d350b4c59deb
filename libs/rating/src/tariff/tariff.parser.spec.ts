import { defaultTariffJson } from '../testing/rating.fixtures.js';
import { TariffError, parseTariff } from './tariff.parser.js';

// Free-form edits of the raw JSON.
type TariffJson = Record<string, any>;

const open = (effectiveFrom: string) => ({ effectiveFrom, effectiveUntil: null });

function parseError(json: unknown): TariffError {
  try {
    parseTariff(json);
  } catch (error) {
    if (error instanceof TariffError) return error;
    throw error;
  }
  throw new Error('expected the tariff to be rejected');
}

describe('parseTariff', () => {
  it('accepts the default tariff and normalises its instants to UTC', () => {
    const tariff = parseTariff(defaultTariffJson());
    expect(tariff.version).toBe('2003-04-01.1');
    expect(tariff.boltOns[0]).toEqual({
      code: 'GBP3',
      pricePence: 300,
      units: 50,
      effectiveFrom: '2003-04-01T00:00:00Z',
      effectiveUntil: null,
    });
    expect(tariff).not.toHaveProperty('notes');
  });

  it('accepts back-to-back periods for one key and an absent effectiveUntil as open-ended', () => {
    const json: TariffJson = defaultTariffJson();
    json.mmsRoamingCountries = [
      { country: 'US', effectiveFrom: '2003-01-01T00:00:00Z', effectiveUntil: '2003-05-01T01:00:00+01:00' },
      { country: 'US', effectiveFrom: '2003-05-01T00:00:00Z' },
    ];
    expect(parseTariff(json).mmsRoamingCountries[1].effectiveUntil).toBeNull();
  });

  it.each<[string, (json: TariffJson) => void, string]>([
    ['a negative price', (j) => (j.boltOns[0].pricePence = -1), 'boltOns.0.pricePence: must not be negative'],
    [
      'a fraction of a penny',
      (j) => (j.paygPrices[1].pricePence = 69.5),
      'paygPrices.1.pricePence: must be a whole number of pence',
    ],
    ['a price in a string', (j) => (j.boltOns[1].pricePence = '500'), 'boltOns.1.pricePence'],
    ['a bolt-on of no units', (j) => (j.boltOns[2].units = 0), 'boltOns.2.units: must be at least 1'],
    ['an MMS of no units', (j) => (j.unitsPerMessage.MMS = 0), 'unitsPerMessage.MMS: must be at least 1'],
    ['no units per SMS', (j) => delete j.unitsPerMessage.SMS, 'unitsPerMessage.SMS'],
    ['no version', (j) => delete j.version, 'version'],
    ['an empty version', (j) => (j.version = ''), 'version: must not be empty'],
    [
      'an instant without an offset',
      (j) => (j.boltOns[0].effectiveFrom = '2003-04-01T00:00:00'),
      'boltOns.0.effectiveFrom: must be an RFC 3339',
    ],
    [
      'a day that does not exist',
      (j) => (j.mmsInterconnects[0].effectiveFrom = '2003-02-30T00:00:00Z'),
      'mmsInterconnects.0.effectiveFrom: is not a real calendar instant',
    ],
    ['a misspelt field', (j) => (j.boltOns[0].effectiveUtil = null), 'boltOns.0: Unrecognized key'],
    ['an unknown network', (j) => (j.mmsInterconnects[0].network = 'EE'), 'mmsInterconnects.0.network'],
    [
      'O2-UK listed as a partner',
      (j) => (j.mmsInterconnects[0].network = 'O2-UK'),
      'mmsInterconnects.0.network: O2-UK always interconnects with itself',
    ],
    [
      'a lower-case country',
      (j) => (j.mmsRoamingCountries[0].country = 'ie'),
      'mmsRoamingCountries.0.country: must be an ISO 3166-1 alpha-2 code',
    ],
    ['an unknown message kind', (j) => (j.paygPrices[0].kind = 'EMAIL'), 'paygPrices.0.kind'],
    [
      'a period that ends when it starts',
      (j) => (j.boltOns[4].effectiveUntil = j.boltOns[4].effectiveFrom),
      'boltOns.4.effectiveUntil: must be after effectiveFrom',
    ],
    [
      'a period that ends before it starts',
      (j) => (j.mmsRoamingCountries[6].effectiveUntil = '2002-01-01T00:00:00Z'),
      'mmsRoamingCountries.6.effectiveUntil: must be after effectiveFrom',
    ],
    [
      'two offers of one bolt-on in force at once',
      (j) => j.boltOns.push({ code: 'GBP3', pricePence: 250, units: 50, ...open('2003-06-01T00:00:00Z') }),
      'boltOns.5.effectiveFrom: overlaps boltOns.0 for the same key "GBP3"',
    ],
    [
      'two agreements with one network at once',
      (j) => j.mmsInterconnects.push({ network: 'ORANGE-UK', ...open('2003-02-01T00:00:00Z') }),
      'mmsInterconnects.3.effectiveFrom: overlaps mmsInterconnects.0 for the same key "ORANGE-UK"',
    ],
    [
      'a roaming country listed twice',
      (j) => j.mmsRoamingCountries.unshift({ country: 'HK', ...open('2002-01-01T00:00:00Z') }),
      'mmsRoamingCountries.7.effectiveFrom: overlaps mmsRoamingCountries.0 for the same key "HK"',
    ],
    [
      'two MMS prices at once',
      (j) => (j.paygPrices[1].effectiveUntil = '2003-04-01T00:00:00.001Z'),
      'paygPrices.2.effectiveFrom: overlaps paygPrices.1 for the same key "MMS"',
    ],
    [
      'a gap in the MMS price',
      (j) => (j.paygPrices[1].effectiveUntil = '2003-03-31T23:59:59.999Z'),
      'paygPrices.2.effectiveFrom: leaves MMS without a price since paygPrices.1 ended',
    ],
    [
      'an SMS price that ends',
      (j) => (j.paygPrices[0].effectiveUntil = '2010-01-01T00:00:00Z'),
      'paygPrices.0.effectiveUntil: leaves SMS without a price afterwards',
    ],
    ['no SMS price', (j) => j.paygPrices.shift(), 'paygPrices: has no SMS price'],
    ['no lists at all', (j) => delete j.boltOns, 'boltOns'],
  ])('rejects %s, naming the field', (_case, corrupt, expected) => {
    const json: TariffJson = defaultTariffJson();
    corrupt(json);
    const error = parseError(json);
    expect(error.code).toBe('INVALID_TARIFF');
    expect(error.message).toContain(expected);
  });

  it.each([null, 'tariff', 42, []])('rejects %p, which is no tariff at all', (json) => {
    expect(parseError(json).message).toContain('(record)');
  });
});
