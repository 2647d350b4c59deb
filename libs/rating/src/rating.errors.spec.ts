import { LedgerError } from '@ledger/contracts';
import { defaultTariff, defaultTariffJson, rate, sendSms } from './testing/rating.fixtures.js';
import { RatingError, RatingInvariantError, RatingRejectionError } from './rating.errors.js';
import { initialSubscriberState } from './subscriber/subscriber.state.js';
import { decide } from './rating/rating.decider.js';
import { TariffError, parseTariff } from './tariff/tariff.parser.js';

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error to be thrown');
}

describe('typed domain errors', () => {
  it('rejects a text the tariff has no price for with a rating rejection, not an invariant violation', () => {
    const error = thrownBy(() => rate(sendSms({ sentAt: '1999-12-31T23:59:59.999Z' })));
    expect(error).toBeInstanceOf(RatingRejectionError);
    expect(error).not.toBeInstanceOf(RatingInvariantError);
    expect(error).toBeInstanceOf(RatingError);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ name: 'RatingRejectionError', code: 'NO_PAYG_PRICE' });
  });

  it('fails a command decided on another subscriber state with an invariant violation, not a rejection', () => {
    const error = thrownBy(() => decide(sendSms(), initialSubscriberState('447000000000'), defaultTariff));
    expect(error).toBeInstanceOf(RatingInvariantError);
    expect(error).not.toBeInstanceOf(RatingRejectionError);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ name: 'RatingInvariantError', code: 'WRONG_SUBSCRIBER' });
  });

  it('rejects bad tariff data with a TariffError of code INVALID_TARIFF', () => {
    const json = defaultTariffJson();
    delete json.boltOns;
    const error = thrownBy(() => parseTariff(json));
    expect(error).toBeInstanceOf(TariffError);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ name: 'TariffError', code: 'INVALID_TARIFF' });
  });

  it('keeps the cause of an unreadable tariff file', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new TariffError('UNREADABLE_TARIFF_FILE', 'TARIFF_FILE x.json cannot be read as JSON', { cause });
    expect(error).toMatchObject({ name: 'TariffError', code: 'UNREADABLE_TARIFF_FILE', cause });
  });
});
