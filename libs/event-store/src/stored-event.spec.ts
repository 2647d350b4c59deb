import { LedgerError } from '@ledger/contracts';
import { ConcurrencyError } from './stored-event.js';

describe('ConcurrencyError', () => {
  it('reports a lost append race under the one domain error base, naming the constraint', () => {
    const error = new ConcurrencyError('events_stream_id_stream_version_key');
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({
      name: 'ConcurrencyError',
      code: 'CONCURRENCY_CONFLICT',
      constraint: 'events_stream_id_stream_version_key',
      message: expect.stringContaining('events_stream_id_stream_version_key'),
    });
  });
});
