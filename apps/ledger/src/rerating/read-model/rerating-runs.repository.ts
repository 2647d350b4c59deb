import { Injectable } from '@nestjs/common';
import { formatInstant } from '@ledger/contracts';
import type { Pool, PoolClient } from '@ledger/app/platform/database/database.js';
import type { ReratingImpact } from '@ledger/rating';

export type ReratingStatus = 'DRY_RUN' | 'APPLYING' | 'APPLIED';

/** The impact a run found, with the tariff version that decided it. */
export interface DecidedImpact extends ReratingImpact {
  tariffVersion: number;
}

export interface ReratingRunRecord {
  runId: string;
  status: ReratingStatus;
  from: string;
  subscribers: string[] | null;
  reason: string;
  dryRun: DecidedImpact;
  applied: DecidedImpact | null;
  appliedThrough: string | null;
  createdAt: string;
  appliedAt: string | null;
}

interface RunRow {
  run_id: string;
  status: ReratingStatus;
  from_instant: Date;
  subscribers: string[] | null;
  reason: string;
  dry_run: DecidedImpact;
  applied: DecidedImpact | null;
  applied_through: string | null;
  created_at: Date;
  applied_at: Date | null;
}

/** The rerating_runs table: one row per run, its dry run and, once applied, what the apply appended. */
@Injectable()
export class ReratingRunsRepository {
  async insert(
    client: PoolClient | Pool,
    run: Pick<ReratingRunRecord, 'runId' | 'from' | 'subscribers' | 'reason' | 'dryRun'>,
  ): Promise<ReratingRunRecord> {
    const result = await client.query<RunRow>(
      `INSERT INTO rerating_runs (run_id, status, from_instant, subscribers, reason, dry_run)
       VALUES ($1, 'DRY_RUN', $2, $3, $4, $5::jsonb) RETURNING *`,
      [run.runId, run.from, run.subscribers, run.reason, JSON.stringify(run.dryRun)],
    );
    return toRecord(result.rows[0]);
  }

  async find(client: PoolClient | Pool, runId: string, forUpdate = false): Promise<ReratingRunRecord | null> {
    const result = await client.query<RunRow>(
      `SELECT * FROM rerating_runs WHERE run_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [runId],
    );
    return result.rows[0] ? toRecord(result.rows[0]) : null;
  }

  async list(client: PoolClient | Pool, limit: number): Promise<ReratingRunRecord[]> {
    const result = await client.query<RunRow>('SELECT * FROM rerating_runs ORDER BY created_at DESC, run_id LIMIT $1', [
      limit,
    ]);
    return result.rows.map(toRecord);
  }

  /** Starts (or goes on with) an apply: the first claim fixes the tariff version it decides under. */
  async claim(client: PoolClient, runId: string, start: DecidedImpact): Promise<void> {
    await client.query(
      `UPDATE rerating_runs SET status = 'APPLYING', applied = COALESCE(applied, $2::jsonb)
       WHERE run_id = $1 AND status <> 'APPLIED'`,
      [runId, JSON.stringify(start)],
    );
  }

  async progress(client: PoolClient, runId: string, applied: DecidedImpact, through: string): Promise<void> {
    await client.query('UPDATE rerating_runs SET applied = $2::jsonb, applied_through = $3 WHERE run_id = $1', [
      runId,
      JSON.stringify(applied),
      through,
    ]);
  }

  async finish(client: PoolClient | Pool, runId: string): Promise<void> {
    await client.query(
      `UPDATE rerating_runs SET status = 'APPLIED', applied_at = now() WHERE run_id = $1 AND status = 'APPLYING'`,
      [runId],
    );
  }
}

function toRecord(row: RunRow): ReratingRunRecord {
  return {
    runId: row.run_id,
    status: row.status,
    from: formatInstant(row.from_instant),
    subscribers: row.subscribers,
    reason: row.reason,
    dryRun: row.dry_run,
    applied: row.applied,
    appliedThrough: row.applied_through,
    createdAt: formatInstant(row.created_at),
    appliedAt: row.applied_at ? formatInstant(row.applied_at) : null,
  };
}
