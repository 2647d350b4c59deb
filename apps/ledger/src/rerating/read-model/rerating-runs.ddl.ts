import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/**
 * Rerating runs (CreateReratingRuns1700000001600): what a dry run found, and once applied what the
 * apply appended; applied_through is the last subscriber whose events are appended, so an apply
 * that stopped half-way goes on where it was.
 */
export async function createReratingRunsTable(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE rerating_runs (
        run_id text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('DRY_RUN', 'APPLYING', 'APPLIED')),
        from_instant timestamptz NOT NULL,
        subscribers text[],
        reason text NOT NULL,
        dry_run jsonb NOT NULL,
        applied jsonb,
        applied_through text,
        created_at timestamptz NOT NULL DEFAULT now(),
        applied_at timestamptz
      )`);
  await runner.query('CREATE INDEX rerating_runs_by_created_at ON rerating_runs (created_at)');
}

export async function dropReratingRunsTable(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE rerating_runs');
}
