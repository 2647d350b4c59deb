import { LedgerError } from '@ledger/contracts';
import type { RatingInvariantCode, RatingRejectionCode } from '@ledger/contracts';

/** Either kind of rating error; catch the two apart, since only a rejection may be set aside. */
export abstract class RatingError extends LedgerError {
  declare readonly code: RatingRejectionCode | RatingInvariantCode;
}

/** The tariff cannot rate this input (e.g. no price in force that day): reject the input, keep the batch. */
export class RatingRejectionError extends RatingError {
  declare readonly code: RatingRejectionCode;

  constructor(code: RatingRejectionCode, message: string) {
    super(code, message);
  }
}

/** A rule the ledger itself broke (a corrupt stream, a misrouted command): stop the slice, never reject the input. */
export class RatingInvariantError extends RatingError {
  declare readonly code: RatingInvariantCode;

  constructor(code: RatingInvariantCode, message: string) {
    super(code, message);
  }
}
