import { readFileSync } from 'node:fs';
import type { Provider } from '@nestjs/common';
import { DEFAULT_TARIFF_FILE, parseTariff, TariffError, type Tariff } from '@ledger/rating';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/app/platform/config/ledger-config.js';

export const TARIFF = Symbol('TARIFF');

/** Reads the tariff file once at boot; a bad file stops the start with the field it got wrong. */
export function loadTariffFile(file: string): Tariff {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TariffError(
      'UNREADABLE_TARIFF_FILE',
      `TARIFF_FILE ${file} cannot be read as JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    return parseTariff(json);
  } catch (error) {
    throw new TariffError('INVALID_TARIFF', `TARIFF_FILE ${file} is not a valid tariff: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export const tariffProvider: Provider = {
  provide: TARIFF,
  inject: [LEDGER_CONFIG],
  useFactory: (config: LedgerConfig): Tariff => loadTariffFile(config.tariffFile ?? DEFAULT_TARIFF_FILE),
};
