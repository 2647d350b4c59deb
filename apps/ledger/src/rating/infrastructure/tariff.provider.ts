import { readFileSync } from 'node:fs';
import { Logger, type Provider } from '@nestjs/common';
import { DEFAULT_TARIFF_FILE, parseTariff, TariffError } from '@ledger/rating';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { TariffVersions } from '../tariff/tariff-versions.js';

/** Reads and validates a tariff file; a bad file stops the start with the field it got wrong. */
export function readTariffFile(file: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TariffError(
      'UNREADABLE_TARIFF_FILE',
      `TARIFF_FILE ${file} cannot be read as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    parseTariff(json);
  } catch (error) {
    throw new TariffError('INVALID_TARIFF', `TARIFF_FILE ${file} is not a valid tariff: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return json;
}

/**
 * The tariff versions, with TARIFF_FILE stored as the next version when it differs from the current
 * one (docs/CONTRACT.md section 8.1); without it, the default tariff is version 1 of a new database.
 */
export const tariffVersionsProvider: Provider = {
  provide: TariffVersions,
  inject: [PG_POOL, LEDGER_CONFIG],
  useFactory: async (pool: Pool, config: LedgerConfig): Promise<TariffVersions> => {
    const versions = new TariffVersions(pool);
    const logger = new Logger('Tariff');
    if (config.tariffFile !== undefined) {
      const { version, stored } = await versions.store(readTariffFile(config.tariffFile));
      logger.log(`TARIFF_FILE ${config.tariffFile} ${stored ? 'stored as' : 'is'} tariff version ${version.version}`);
    } else if ((await versions.list()).length === 0) {
      const { version } = await versions.store(readTariffFile(DEFAULT_TARIFF_FILE));
      logger.log(`the default tariff stored as tariff version ${version.version}`);
    }
    return versions;
  },
};
