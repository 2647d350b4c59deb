import { formatInstant } from '@ledger/contracts';
import { canonicalJson, parseTariff, type Tariff } from '@ledger/rating';
import { inTransaction, type Pool, type PoolClient } from '@ledger/app/platform/database/database.js';

export interface TariffVersionSummary {
  version: number;
  createdAt: string;
}

export interface TariffVersion extends TariffVersionSummary {
  /** The document as it was stored: what GET /v1/tariff answers. */
  document: unknown;
  tariff: Tariff;
}

interface VersionRow {
  version: number;
  document: unknown;
  created_at: Date;
}

/**
 * The numbered tariff versions in Postgres (docs/CONTRACT.md section 8.1). Rating asks for the
 * current one inside its own transaction, so every instance rates each input with the newest version
 * stored before it; parsed tariffs are kept per version, since a stored version never changes.
 */
export class TariffVersions {
  private readonly parsed = new Map<number, TariffVersion>();

  constructor(private readonly pool: Pool) {}

  /** The version in force now; there is always one once the service has started. */
  async current(client: PoolClient | Pool = this.pool): Promise<TariffVersion> {
    const result = await client.query<{ version: number }>({
      name: 'tariff-current-version',
      text: 'SELECT version FROM tariff_versions ORDER BY version DESC LIMIT 1',
    });
    const version = result.rows[0]?.version;
    if (version === undefined) throw new Error('no tariff version is stored: the service stores one at start');
    return this.version(version, client);
  }

  async version(version: number, client: PoolClient | Pool = this.pool): Promise<TariffVersion> {
    const known = this.parsed.get(version);
    if (known) return known;
    const result = await client.query<VersionRow>({
      name: 'tariff-version',
      text: 'SELECT version, document, created_at FROM tariff_versions WHERE version = $1',
      values: [version],
    });
    const row = result.rows[0];
    if (!row) throw new Error(`tariff version ${version} is not stored`);
    const loaded = toVersion(row);
    this.parsed.set(version, loaded);
    return loaded;
  }

  async list(client: PoolClient | Pool = this.pool): Promise<TariffVersionSummary[]> {
    const result = await client.query<Omit<VersionRow, 'document'>>(
      'SELECT version, created_at FROM tariff_versions ORDER BY version',
    );
    return result.rows.map((row) => ({ version: row.version, createdAt: formatInstant(row.created_at) }));
  }

  /**
   * Stores the document as the next version unless it equals the current one; throws the parser's
   * TariffError, naming what is invalid, before anything is stored.
   */
  async store(document: unknown): Promise<{ version: TariffVersionSummary; stored: boolean }> {
    parseTariff(document);
    return inTransaction(this.pool, async (client) => {
      // Two instances starting at once, or two admins posting at once, get consecutive numbers.
      await client.query('LOCK TABLE tariff_versions IN SHARE ROW EXCLUSIVE MODE');
      const latest = await client.query<VersionRow>(
        'SELECT version, document, created_at FROM tariff_versions ORDER BY version DESC LIMIT 1',
      );
      const current = latest.rows[0];
      if (current && canonicalJson(current.document) === canonicalJson(document)) {
        return { version: { version: current.version, createdAt: formatInstant(current.created_at) }, stored: false };
      }
      const inserted = await client.query<VersionRow>(
        `INSERT INTO tariff_versions (version, document) VALUES ($1, $2::jsonb) RETURNING version, created_at`,
        [(current?.version ?? 0) + 1, JSON.stringify(document)],
      );
      const row = inserted.rows[0];
      return { version: { version: row.version, createdAt: formatInstant(row.created_at) }, stored: true };
    });
  }
}

function toVersion(row: VersionRow): TariffVersion {
  return {
    version: row.version,
    createdAt: formatInstant(row.created_at),
    document: row.document,
    tariff: parseTariff(row.document),
  };
}
