import { jest } from '@jest/globals';
import { HttpStatus, Logger, type ArgumentsHost } from '@nestjs/common';
import type { LedgerError } from '@ledger/contracts';
import { ConcurrencyError } from '@ledger/event-store';
import { RatingInvariantError, RatingRejectionError, TariffError } from '@ledger/rating';
import { ConfigurationError } from '@ledger/app/platform/config/ledger-config.js';
import { ReratingError } from '@ledger/app/rerating/domain/rerating.errors.js';
import { LedgerErrorFilter } from './ledger-error.filter.js';

/** What the filter wrote to the response. */
function answer(error: LedgerError): { status: number | null; body: unknown } {
  const sent: { status: number | null; body: unknown } = { status: null, body: undefined };
  const response = {
    status(code: number) {
      sent.status = code;
      return response;
    },
    json(body: unknown) {
      sent.body = body;
      return response;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new LedgerErrorFilter().catch(error, host);
  return sent;
}

describe('the HTTP edge maps domain errors to statuses', () => {
  let logged: string[];

  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it.each([
    [
      'a rejection the tariff cannot answer',
      new RatingRejectionError('NO_PAYG_PRICE', 'no price for MMS on 2003-03-01'),
    ],
    ['an inconsistent stream', new RatingInvariantError('INCONSISTENT_STREAM', 'bolt-on P-1 is already held')],
    ['a misrouted command', new RatingInvariantError('WRONG_SUBSCRIBER', 'command for 447700900002')],
    ['a bad recognition', new RatingInvariantError('INVALID_RECOGNITION', 'recognised more than the price')],
    ['an unusable tariff', new TariffError('INVALID_TARIFF', 'no SMS price')],
    ['an unreadable tariff file', new TariffError('UNREADABLE_TARIFF_FILE', 'ENOENT tariff.json')],
    ['a lost append race', new ConcurrencyError('events_stream_version_key')],
    ['a bad setting', new ConfigurationError('invalid configuration: PORT: too big')],
  ])('answers %s as a 500 that tells the caller nothing internal, and logs its code', (_, error) => {
    expect(answer(error)).toEqual({
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { statusCode: 500, message: 'Internal server error' },
    });
    expect(logged).toEqual([`${error.code}: ${error.message}`]);
  });

  it.each([
    ['an unknown rerating run', new ReratingError('RERATING_RUN_NOT_FOUND', 'no rerating run 5b0c'), 404],
    [
      'a tariff that cannot rerate a message',
      new ReratingError('TARIFF_CANNOT_RERATE', 'tariff version 2 cannot rate a message of 447700900123'),
      422,
    ],
  ])("answers %s with its status, its code and why, logging nothing: the caller's to mend", (_, error, status) => {
    expect(answer(error)).toEqual({ status, body: { statusCode: status, reason: error.code, message: error.message } });
    expect(logged).toEqual([]);
  });
});
