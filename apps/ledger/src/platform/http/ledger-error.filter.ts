import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { LedgerError, type LedgerErrorCode } from '@ledger/contracts';

/** Each domain code's HTTP status; exhaustive, so a new code must choose one. Only a 4xx tells the caller why. */
const STATUS_OF: Record<LedgerErrorCode, HttpStatus> = {
  NO_PAYG_PRICE: HttpStatus.INTERNAL_SERVER_ERROR,
  WRONG_SUBSCRIBER: HttpStatus.INTERNAL_SERVER_ERROR,
  INVALID_RECOGNITION: HttpStatus.INTERNAL_SERVER_ERROR,
  INCONSISTENT_STREAM: HttpStatus.INTERNAL_SERVER_ERROR,
  INVALID_TARIFF: HttpStatus.INTERNAL_SERVER_ERROR,
  UNREADABLE_TARIFF_FILE: HttpStatus.INTERNAL_SERVER_ERROR,
  CONCURRENCY_CONFLICT: HttpStatus.INTERNAL_SERVER_ERROR,
  // A purchase that repeats one whose month is archived: the first stands, as for any conflicting repeat.
  ARCHIVED_EVENT: HttpStatus.CONFLICT,
  INVALID_CONFIGURATION: HttpStatus.INTERNAL_SERVER_ERROR,
  RERATING_RUN_NOT_FOUND: HttpStatus.NOT_FOUND,
  TARIFF_CANNOT_RERATE: HttpStatus.UNPROCESSABLE_ENTITY,
};

/** The one place a domain error becomes an HTTP status: a caller's mistake answered with why, ours logged as a 500. */
@Catch(LedgerError)
export class LedgerErrorFilter implements ExceptionFilter<LedgerError> {
  private readonly logger = new Logger('HTTP');

  catch(error: LedgerError, host: ArgumentsHost): void {
    const status = STATUS_OF[error.code];
    const response = host.switchToHttp().getResponse<Response>().status(status);
    if (status < HttpStatus.INTERNAL_SERVER_ERROR) {
      response.json({ statusCode: status, reason: error.code, message: error.message });
      return;
    }
    this.logger.error(`${error.code}: ${error.message}`, error.stack);
    response.json({ statusCode: status, message: 'Internal server error' });
  }
}
