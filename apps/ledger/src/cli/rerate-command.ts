import { instantSchema, msisdnSchema, type RatedOutcome } from '@ledger/contracts';
import { PostgresEventStore } from '@ledger/event-store';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { describeIssues } from '@ledger/contracts';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { TariffVersions } from '@ledger/app/rating/tariff/tariff-versions.js';
import { READ_MODEL_PROJECTIONS } from '@ledger/app/read-model-projections.js';
import { ReratingService, type ReratingProgress } from '@ledger/app/rerating/application/rerating.service.js';
import { SubscriberStreamsRepository } from '@ledger/app/rerating/infrastructure/subscriber-streams.repository.js';
import { ReratingRunsRepository } from '@ledger/app/rerating/read-model/rerating-runs.repository.js';
import { runView, type ReratingRunView } from '@ledger/app/rerating/api/rerating-run.view.js';

export const RERATE_USAGE = `  rerate --from <RFC 3339 instant> [--subscribers <msisdn,...>] [--reason <text>] [--apply]
            decide messages again under the current tariff from the first one sent at or after --from
            (docs/CONTRACT.md section 8.2): a dry run, printed as a table; with --apply, applied too`;

const options = z
  .object({
    from: instantSchema,
    subscribers: z
      .string()
      .transform((list) => list.split(',').filter(Boolean))
      .pipe(z.array(msisdnSchema).min(1))
      .transform((msisdns) => [...new Set(msisdns)].sort())
      .optional(),
    reason: z.string().min(1).default('rerated with npm run ledger -- rerate'),
    apply: z.boolean().default(false),
  })
  .strict();

/** `--name value` and `--flag` pairs, as the options schema reads them. */
function parseArguments(args: readonly string[]): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i += 1) {
    const name = args[i].replace(/^--/, '');
    if (name === 'apply') parsed.apply = true;
    else parsed[name] = args[(i += 1)];
  }
  return parsed;
}

/** npm run ledger -- rerate: the same service as POST /v1/rerating-runs, with a progress bar. */
export async function rerateCommand(pool: Pool, args: readonly string[]): Promise<number> {
  const parsed = options.safeParse(parseArguments(args));
  if (!parsed.success) {
    process.stderr.write(`rerate: ${describeIssues(parsed.error)}\nusage:\n${RERATE_USAGE}\n`);
    return 2;
  }
  const { from, subscribers, reason, apply } = parsed.data;
  const service = new ReratingService(
    pool,
    new PostgresEventStore(),
    new TariffVersions(pool),
    new SubscriberStreamsRepository(),
    new ReratingRunsRepository(),
    READ_MODEL_PROJECTIONS.map((Projection) => new Projection()),
  );
  const dryRun = await withProgress('dry run', (onProgress) =>
    service.dryRun({ from, subscribers: subscribers ?? null, reason }, onProgress),
  );
  process.stdout.write(impactTable(runView(dryRun)));
  if (!apply) {
    process.stdout.write(`\napply it with POST /v1/rerating-runs/${dryRun.runId}/apply, or again with --apply\n`);
    return 0;
  }
  const applied = await withProgress('apply', (onProgress) => service.apply(dryRun.runId, onProgress));
  process.stdout.write(`\n${impactTable(runView(applied))}`);
  return 0;
}

async function withProgress<T>(
  label: string,
  work: (onProgress: (p: ReratingProgress) => void) => Promise<T>,
): Promise<T> {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} subscribers | {duration_formatted}`,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    return await work(({ subscribersDone, subscribers }) => {
      if (!started) bar.start(subscribers, 0);
      started = true;
      bar.update(subscribersDone);
    });
  } finally {
    bar.stop();
  }
}

/** The impact as a plain-text table: the totals, the days, the first changes. */
export function impactTable(run: ReratingRunView): string {
  const lines = [
    `run ${run.runId}  ${run.status}  tariff version ${run.tariffVersion}  from ${run.from}`,
    `reason: ${run.reason}`,
    '',
    row(['messages examined', run.messagesExamined]),
    row(['messages changed', run.messagesChanged]),
    row(['PAYG pence delta', run.penceDelta]),
    row(['bolt-on units delta', run.unitsDelta]),
    '',
  ];
  if (run.days.length > 0) {
    lines.push(row(['day', 'PAYG pence', 'recognised pence']));
    for (const day of run.days) lines.push(row([day.date, day.paygPenceDelta, day.recognisedBoltOnPenceDelta]));
    lines.push('');
  }
  if (run.changes.length > 0) {
    lines.push(`the first ${run.changes.length} of ${run.messagesChanged} changes:`);
    for (const change of run.changes.slice(0, 50)) {
      lines.push(`  ${change.messageId.padEnd(32)} ${outcome(change.before)}  ->  ${outcome(change.after)}`);
    }
    if (run.changes.length > 50)
      lines.push(`  … ${run.changes.length - 50} more in GET /v1/rerating-runs/${run.runId}`);
  }
  return `${lines.join('\n')}\n`;
}

const row = (cells: (string | number)[]): string =>
  cells.map((cell, i) => (i === 0 ? String(cell).padEnd(22) : String(cell).padStart(18))).join('');

function outcome({ status, reason, units, pence }: RatedOutcome): string {
  if (status === 'REJECTED') return `REJECTED ${reason ?? ''}`;
  if (status === 'RECORDED') return 'RECORDED';
  return pence > 0 ? `CHARGED ${pence}p` : `CHARGED ${units} units`;
}
