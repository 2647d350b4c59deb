import { LedgerError, type ReratingErrorCode } from '@ledger/contracts';

/** A run that does not exist, or a tariff that cannot decide every message of it again. */
export class ReratingError extends LedgerError {
  declare readonly code: ReratingErrorCode;

  constructor(code: ReratingErrorCode, message: string) {
    super(code, message);
  }
}
