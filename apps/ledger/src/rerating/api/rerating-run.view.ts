import type { DecidedImpact, ReratingRunRecord } from '../read-model/rerating-runs.repository.js';

/** A run as the API answers it (docs/CONTRACT.md section 8.2): the applied impact once applied, else the dry run's. */
export function runView(run: ReratingRunRecord) {
  const impact: DecidedImpact = run.status === 'APPLIED' && run.applied ? run.applied : run.dryRun;
  return {
    runId: run.runId,
    status: run.status,
    from: run.from,
    subscribers: run.subscribers,
    reason: run.reason,
    tariffVersion: impact.tariffVersion,
    messagesExamined: impact.messagesExamined,
    messagesChanged: impact.messagesChanged,
    penceDelta: impact.penceDelta,
    unitsDelta: impact.unitsDelta,
    days: impact.days,
    changes: impact.changes,
    createdAt: run.createdAt,
    appliedAt: run.appliedAt,
  };
}

export type ReratingRunView = ReturnType<typeof runView>;

/** A run in the list: its figures without the per-day lines and changes. */
export function runSummary(run: ReratingRunRecord) {
  const { days: _days, changes: _changes, ...summary } = runView(run);
  return summary;
}
