import { Injectable, Logger, type LoggerService } from '@nestjs/common';

/**
 * Terminus logs every failed check as an error; probes poll, so a dependency that is down would
 * flood the log. The failure is in the 503 body for whoever asked; here it is kept at debug.
 */
@Injectable()
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('HealthCheck');

  log(message: string): void {
    this.logger.debug(message);
  }

  warn(message: string): void {
    this.logger.debug(message);
  }

  error(message: string): void {
    this.logger.debug(message);
  }
}
