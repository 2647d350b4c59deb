import type { Backlog } from './backlog.js';
import type { BenchConfig } from './bench-config.js';
import { IDEAL_EVENTS_PER_TRANSACTION, type CeilingResult } from './ceilings.js';
import type { CpuUsage } from './cpu-usage.js';
import { drainRates, type DrainResult } from './drain.js';
import type { FirstRecordResult } from './first-record.js';
import type { FreshnessResult } from './freshness.js';
import type { Machine } from './machine.js';
import type { PeerResult } from './peer.js';
import type { SliceStats } from './slice-metrics.js';

export interface BenchResults {
  readonly config: BenchConfig;
  readonly machine: Machine;
  readonly date: Date;
  readonly backlog: Backlog;
  readonly tenthBacklog: Backlog;
  /** One drain of the whole backlog per instance count. */
  readonly drains: readonly DrainResult[];
  /** The drain that the targets and the linearity run compare against (one instance when there is one). */
  readonly primary: DrainResult;
  readonly tenth: DrainResult;
  /** The same backlog drained behind a pre-filled store; null when BENCH_PREFILL_EVENTS=0. */
  readonly prefilled: DrainResult | null;
  /** One run per offered rate. */
  readonly freshness: readonly FreshnessResult[];
  readonly firstRecord: FirstRecordResult;
  readonly consumeOnly: CeilingResult;
  readonly ideal: CeilingResult;
  readonly peer: PeerResult;
  readonly peerBatched: PeerResult;
  /** Someone restarted the shared local broker during the run. */
  readonly brokerRestarted: boolean;
  readonly totalSeconds: number;
}

/** Issue #17's targets. */
const TARGET = {
  drainEvents: 2_000_000,
  drainSubscribers: 500_000,
  drainRate: 40_000,
  idealShare: 0.7,
  prefillEvents: 10_000_000,
  prefilledShare: 0.9,
  /** Offered rate and the p99 bound there. */
  freshness: [
    [5_000, 100],
    [20_000, 250],
  ] as const,
  feedSeconds: 2,
  memoryMiB: 512,
  memorySubscribers: 500_000,
  linearRatio: 11,
};

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const sec = (value: number): string => `${value.toFixed(1)} s`;
const ms = (value: number): string =>
  Number.isFinite(value) ? `${int(value)} ms` : 'never (not visible before the bench gave up)';
const cores = (value: number): string => value.toFixed(2);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The ratio of the time per event of the big drain to the small one's, scaled to 10x the events. */
function linearity(results: BenchResults): { withoutBoot: number; withBoot: number } {
  const { primary, tenth } = results;
  const sizeRatio = primary.events / tenth.events;
  // Scaled to exactly 10x the events, should the tenth have been rounded.
  const scale = 10 / sizeRatio;
  return {
    withoutBoot: (primary.secondsFromFirstSlice / tenth.secondsFromFirstSlice) * scale,
    withBoot: (primary.secondsFromStart / tenth.secondsFromStart) * scale,
  };
}

function serviceRate(results: BenchResults): { fromStart: number; fromFirstSlice: number } {
  return drainRates(results.primary);
}

const peakOf = (results: BenchResults): number =>
  Math.max(
    ...results.freshness.map((run) => run.peakMiB),
    results.tenth.peakMiB[0] ?? 0,
    ...(results.prefilled?.peakMiB ?? []),
    ...results.drains.flatMap((drain) => drain.peakMiB),
  );

const rateOf = (ceiling: CeilingResult): number => ceiling.events / ceiling.seconds;
const peerRate = (peer: PeerResult): number => peer.events / peer.seconds;

function describeFeed(drain: DrainResult): string {
  const { depthAtZeroLag, secondsToEmpty } = drain.feed;
  return Number.isFinite(secondsToEmpty)
    ? `${int(depthAtZeroLag)} rated messages unpublished at zero lag, empty ${sec(secondsToEmpty)} later`
    : `${int(depthAtZeroLag)} rated messages unpublished at zero lag, NOT empty within 60 s`;
}

function describeBacklog(backlog: Backlog): string {
  return `${int(backlog.messages)} messages, ${int(backlog.purchases)} purchases (${int(backlog.apiPurchases.length)} through the API), ${int(backlog.subscribersSeen)} distinct subscribers`;
}

export function resultRows(results: BenchResults): string[][] {
  const { backlog, freshness, consumeOnly, ideal, peer, peerBatched, tenth, prefilled } = results;
  const rows: string[][] = [
    [
      'produce the backlog (acks=1, before the service starts)',
      int(backlog.records / backlog.produceSeconds),
      `${int(backlog.records)} Kafka records (${describeBacklog(backlog)}) in ${sec(backlog.produceSeconds)}`,
    ],
  ];
  for (const drain of results.drains) {
    const rates = drainRates(drain);
    const who = `${drain.instances} instance${drain.instances > 1 ? 's' : ''}`;
    rows.push(
      [
        `drain, ${who}: service start to zero lag`,
        int(rates.fromStart),
        `${int(drain.events)} inputs in ${sec(drain.secondsFromStart)}`,
      ],
      [
        `drain, ${who}: first slice to zero lag`,
        int(rates.fromFirstSlice),
        `${int(drain.events)} inputs in ${sec(drain.secondsFromFirstSlice)} (boot ${sec(drain.secondsFromStart - drain.secondsFromFirstSlice)})`,
      ],
      [`rated feed after the drain, ${who}`, '', describeFeed(drain)],
    );
  }
  if (prefilled?.prefill) {
    const rates = drainRates(prefilled);
    rows.push(
      [
        `pre-fill the store (INSERT … SELECT generate_series, indexes built after, then written out)`,
        int(prefilled.prefill.events / prefilled.prefill.seconds),
        `${int(prefilled.prefill.events)} events and their charges in ${sec(prefilled.prefill.seconds)}; events and charges ${int(prefilled.prefill.storeMiB)} MiB with indexes`,
      ],
      [
        `drain behind ${int(prefilled.prefill.events)} stored events, ${prefilled.instances} instance: start / first slice to zero lag`,
        `${int(rates.fromStart)} / ${int(rates.fromFirstSlice)}`,
        `${sec(prefilled.secondsFromStart)} / ${sec(prefilled.secondsFromFirstSlice)}; ${describeFeed(prefilled)}`,
      ],
    );
  }
  const tenthRates = drainRates(tenth);
  const linear = linearity(results);
  rows.push(
    [
      `drain of a tenth (${int(tenth.events)}), ${tenth.instances} instance: start / first slice to zero lag`,
      `${int(tenthRates.fromStart)} / ${int(tenthRates.fromFirstSlice)}`,
      `${sec(tenth.secondsFromStart)} / ${sec(tenth.secondsFromFirstSlice)}`,
    ],
    [
      `linear cost: 10x the inputs takes`,
      '',
      `${linear.withoutBoot.toFixed(2)}x the time without the boot, ${linear.withBoot.toFixed(2)}x with it`,
    ],
  );
  for (const run of freshness) {
    rows.push(
      [
        `freshness at ${int(run.offeredRate)}/s offered for ${results.config.freshnessSeconds} s, from when each was due: p50 / p99 / max`,
        '',
        `${ms(run.p50)} / ${ms(run.p99)} / ${ms(run.max)} over ${int(run.measured)} messages; the bench handed records over up to ${ms(run.handOverLateMaxMs)} late (p99 ${ms(run.handOverLateP99Ms)})`,
      ],
      [
        `freshness at ${int(run.offeredRate)}/s: rate offered / rate made visible`,
        `${int(run.achievedOfferRate)} / ${int(run.visibleRate)}`,
        run.keptUp
          ? `kept up (last message visible ${ms(run.tailSeconds * 1000)} after the last produced)`
          : `did NOT keep up: ${run.unseen > 0 ? `${int(run.unseen)} messages never visible` : `the last message was visible ${sec(run.tailSeconds)} after the last produced`}`,
      ],
    );
  }
  rows.push(
    [
      'first record: service start to healthy / produced to answered by the API (first; median and max of the next)',
      '',
      `${ms(results.firstRecord.bootMs)} / ${ms(results.firstRecord.firstMs)}; ${ms(results.firstRecord.laterMedianMs)} and ${ms(results.firstRecord.laterMaxMs)} over ${results.firstRecord.later}`,
    ],
    [
      "service's slices (its /metrics): count, mean size, mean / p99 duration",
      '',
      `drain ${describeSlices(results.primary.slices)}; ${freshness.map((run) => `freshness ${int(run.offeredRate)}/s ${describeSlices(run.slices)}`).join('; ')}`,
    ],
    [
      `service peak memory (VmHWM) with ${int(results.config.subscribers)} subscribers, highest instance of any run`,
      '',
      `${int(peakOf(results))} MiB (drains: ${results.drains.map((drain) => drain.peakMiB.map(int).join('+')).join(', ')}; tenth ${int(tenth.peakMiB[0] ?? 0)}${prefilled ? `; pre-filled ${int(prefilled.peakMiB[0] ?? 0)}` : ''}; freshness ${freshness.map((run) => int(run.peakMiB)).join(', ')})`,
    ],
    [
      'ceiling, Kafka alone: kafkajs eachBatch that only resolves offsets, both topics',
      int(rateOf(consumeOnly)),
      `${int(consumeOnly.events)} records in ${sec(consumeOnly.seconds)} from joining the group (connect and join ${sec(consumeOnly.setupSeconds)})`,
    ],
    [
      `ideal batch append: events with their unique keys + a balance upsert per subscriber, ${int(IDEAL_EVENTS_PER_TRANSACTION)} a transaction, one connection per core`,
      int(rateOf(ideal)),
      `${int(ideal.events)} events in ${sec(ideal.seconds)}`,
    ],
    [
      `peer: ${peer.name}, one appendToStream per message`,
      int(peerRate(peer)),
      `${int(peer.events)} events in ${sec(peer.seconds)}, ${peer.writers} writers`,
    ],
    [
      `peer batched: the same, a stream's pending messages (up to 100) in one appendToStream`,
      int(peerRate(peerBatched)),
      `${int(peerBatched.events)} events in ${sec(peerBatched.seconds)}, ${int(peerBatched.appends)} appends (${(peerBatched.events / Math.max(peerBatched.appends, 1)).toFixed(1)} events each), ${peerBatched.writers} writers${peerBatched.events < 1.5 * peerBatched.appends ? '; its API batches within one stream only, and these streams held about one message each, so batching bought it little' : ''}`,
    ],
  );
  return rows;
}

function describeSlices(slices: SliceStats | null): string {
  if (!slices) return 'n/a';
  return `${int(slices.slices)} slices of ${int(slices.meanSize)} records, ${int(slices.meanMs)} ms / <= ${Number.isFinite(slices.p99AtMostMs) ? int(slices.p99AtMostMs) : '∞'} ms`;
}

interface Verdict {
  target: string;
  measured: string;
  verdict: string;
}

function missedBy(
  value: number,
  target: number,
  higherIsBetter: boolean,
  unit: string,
  format: (v: number) => string,
): string {
  const met = higherIsBetter ? value >= target : value <= target;
  if (met) return 'met';
  const gap = Math.abs(value - target);
  const share = higherIsBetter
    ? `${((gap / target) * 100).toFixed(0)}% short`
    : `${(value / target).toFixed(1)}x the bound`;
  return `MISSED by ${format(gap)}${unit} (${share})`;
}

export function verdicts(results: BenchResults): Verdict[] {
  const { config, primary, prefilled, freshness, ideal } = results;
  const rate = serviceRate(results);
  const linear = linearity(results);
  const peak = peakOf(results);
  const scale =
    primary.events >= TARGET.drainEvents && config.subscribers >= TARGET.drainSubscribers
      ? ''
      : ` (measured on ${int(primary.events)} inputs from ${int(config.subscribers)} subscribers, not 2,000,000 from 500,000)`;
  const idealShare = rate.fromStart / rateOf(ideal);
  const list: Verdict[] = [
    {
      target: 'drain 2,000,000 events from 500,000 subscribers at >= 40,000 events/s (service start to zero lag)',
      measured: `${int(rate.fromStart)}/s${scale}; ${int(rate.fromFirstSlice)}/s without the boot`,
      verdict: missedBy(rate.fromStart, TARGET.drainRate, true, '/s', int),
    },
    {
      target: '>= 0.7 of the ideal batch append, same inputs, same run',
      measured: `${idealShare.toFixed(2)} (${int(rate.fromStart)}/s against ${int(rateOf(ideal))}/s); ${(rate.fromFirstSlice / rateOf(ideal)).toFixed(2)} without the boot`,
      verdict: missedBy(idealShare, TARGET.idealShare, true, '', (v) => v.toFixed(2)),
    },
  ];
  if (prefilled?.prefill) {
    const share = drainRates(prefilled).fromFirstSlice / rate.fromFirstSlice;
    const size =
      prefilled.prefill.events >= TARGET.prefillEvents
        ? ''
        : ` (store of ${int(prefilled.prefill.events)}, not 10,000,000)`;
    list.push({
      target: 'with 10,000,000 events stored, the drain >= 0.9 of the empty-store rate (first slice to zero lag)',
      measured: `${share.toFixed(2)} (${int(drainRates(prefilled).fromFirstSlice)}/s against ${int(rate.fromFirstSlice)}/s)${size}`,
      verdict: missedBy(share, TARGET.prefilledShare, true, '', (v) => v.toFixed(2)),
    });
  } else {
    list.push({
      target: 'with 10,000,000 events stored, the drain >= 0.9 of the empty-store rate',
      measured: 'not measured (BENCH_PREFILL_EVENTS=0)',
      verdict: 'NOT MEASURED',
    });
  }
  for (const [offered, bound] of TARGET.freshness) {
    const run = freshness.find((candidate) => candidate.offeredRate === offered);
    const target = `freshness p99 <= ${bound} ms at ${int(offered)} events/s offered`;
    if (!run) {
      list.push({
        target,
        measured: `not measured (BENCH_FRESHNESS_RATES has no ${offered})`,
        verdict: 'NOT MEASURED',
      });
      continue;
    }
    list.push({
      target,
      measured: `p99 ${ms(run.p99)}${run.keptUp ? '' : '; the service did not keep up'}`,
      verdict: Number.isFinite(run.p99)
        ? missedBy(run.p99, bound, false, ' ms', int)
        : 'MISSED (messages never visible)',
    });
  }
  const feedSeconds = Math.max(...results.drains.map((drain) => drain.feed.secondsToEmpty));
  list.push(
    {
      target: 'the rated feed keeps up: at zero lag its depth drains within 2 s',
      measured: results.drains.map((drain) => `x${drain.instances}: ${describeFeed(drain)}`).join('; '),
      verdict: Number.isFinite(feedSeconds)
        ? missedBy(feedSeconds, TARGET.feedSeconds, false, ' s', (v) => v.toFixed(1))
        : 'MISSED (not empty within 60 s)',
    },
    {
      target: 'service memory <= 512 MiB with 500,000 subscribers',
      measured: `${int(peak)} MiB with ${int(config.subscribers)} subscribers, ${int(results.backlog.subscribersSeen)} of them in the backlog${results.backlog.subscribersSeen >= TARGET.memorySubscribers ? '' : ' (fewer than 500,000 seen: the full run, 2,000,000 messages from 500,000, sees most of them)'}`,
      verdict: missedBy(peak, TARGET.memoryMiB, false, ' MiB', int),
    },
    {
      target: 'linear cost: 10x the inputs in <= 11x the time',
      measured: `${linear.withoutBoot.toFixed(2)}x without the boot (${linear.withBoot.toFixed(2)}x with it)`,
      verdict: missedBy(linear.withoutBoot, TARGET.linearRatio, false, 'x', (v) => v.toFixed(2)),
    },
  );
  return list;
}

/** Per input of the primary drain: what each table took, from Postgres's counters. */
function writeRows(drain: DrainResult): string[][] {
  const per = (value: number): string => (value / Math.max(drain.events, 1)).toFixed(3);
  const rows = drain.writes.map((table) => [
    table.table,
    per(table.inserted),
    `${per(table.updated)} (${per(table.hotUpdated)} HOT)`,
    per(table.deleted),
    `${per(table.btreeEntries)} (${table.btreeIndexes} btree${table.btreeIndexes === 1 ? '' : 's'})`,
  ]);
  const sum = (pick: (table: DrainResult['writes'][number]) => number): number =>
    drain.writes.reduce((total, table) => total + pick(table), 0);
  rows.push([
    '**all**',
    per(sum((table) => table.inserted)),
    `${per(sum((table) => table.updated))} (${per(sum((table) => table.hotUpdated))} HOT)`,
    per(sum((table) => table.deleted)),
    per(sum((table) => table.btreeEntries)),
  ]);
  return rows;
}

const WRITES_HEADER = ['table', 'rows inserted', 'rows updated', 'rows deleted', 'btree entries'];

function phases(results: BenchResults): [string, CpuUsage][] {
  return [
    ...results.drains.map((drain): [string, CpuUsage] => [`drain, ${drain.instances} instance(s)`, drain.cpu]),
    ['drain of a tenth', results.tenth.cpu],
    ...(results.prefilled ? [['drain behind the pre-filled store', results.prefilled.cpu] as [string, CpuUsage]] : []),
    ...results.freshness.map((run): [string, CpuUsage] => [`freshness ${int(run.offeredRate)}/s`, run.cpu]),
    ['Kafka alone', results.consumeOnly.cpu],
    ['ideal batch append', results.ideal.cpu],
    ['peer', results.peer.cpu],
    ['peer batched', results.peerBatched.cpu],
  ];
}

const CPU_HEADER = [
  'phase (cores used)',
  'time',
  'service',
  'postgres',
  'kafka',
  'bench',
  'other processes',
  'unattributed',
  'taken by the host (steal)',
  'machine',
];

function cpuRows(results: BenchResults): string[][] {
  return phases(results).map(([phase, usage]) => [
    phase,
    sec(usage.seconds),
    ...[
      usage.service,
      usage.postgres,
      usage.kafka,
      usage.bench,
      usage.other,
      usage.unattributed,
      usage.steal,
      usage.total,
    ].map(cores),
  ]);
}

/** Microseconds of CPU per event, by part; `ours` is the service, its Postgres and the broker. */
function costPerEvent(
  usage: CpuUsage,
  events: number,
): { service: number; postgres: number; kafka: number; ours: number } {
  const micros = (coresUsed: number): number => (coresUsed * usage.seconds * 1e6) / Math.max(events, 1);
  const service = micros(usage.service);
  const postgres = micros(usage.postgres);
  const kafka = micros(usage.kafka);
  return { service, postgres, kafka, ours: service + postgres + kafka };
}

/** What each figure leans against, read off the run's own numbers. */
function readings(results: BenchResults): string[] {
  const { machine, consumeOnly, ideal, freshness, primary, peer, peerBatched } = results;
  const rate = serviceRate(results).fromFirstSlice;
  const kafkaRate = rateOf(consumeOnly);
  const idealRate = rateOf(ideal);
  const lines = [
    `The drain (without the boot) runs at ${((rate / kafkaRate) * 100).toFixed(0)}% of the Kafka-alone ceiling and ${((rate / idealRate) * 100).toFixed(0)}% of the ideal batch append.`,
    `The peer: ${(rate / peerRate(peer)).toFixed(1)}x its one-per-message rate, ${(rate / peerRate(peerBatched)).toFixed(1)}x its batched one (the service rates, projects and publishes; the peer only stores).`,
    `During the ${primary.instances}-instance drain the machine was ${((primary.cpu.total / machine.cores) * 100).toFixed(0)}% busy (${cores(primary.cpu.total)} of ${machine.cores} cores: service ${cores(primary.cpu.service)}, Postgres ${cores(primary.cpu.postgres)}, Kafka ${cores(primary.cpu.kafka)}${primary.cpu.steal >= 0.01 ? `; the host took ${cores(primary.cpu.steal)}` : ''}).`,
  ];
  const drainCost = costPerEvent(primary.steadyCpu, primary.steadyEvents);
  const budget = (machine.cores * 1e6) / TARGET.drainRate;
  const freshCosts = freshness.map((run) => {
    const cost = costPerEvent(run.cpu, run.produced);
    return `at ${int(run.offeredRate)}/s offered service ${int(cost.service)} µs, Postgres ${int(cost.postgres)} µs`;
  });
  lines.push(
    `CPU per event in the drain, boot left out: service ${int(drainCost.service)} µs, Postgres ${int(drainCost.postgres)} µs, Kafka ${int(drainCost.kafka)} µs; ` +
      `${int(drainCost.ours)} µs in all, so ${machine.cores} cores with nothing else running could carry about ${int((machine.cores * 1e6) / drainCost.ours)} events/s ` +
      `(40,000/s needs at most ${int(budget)} µs). With the smaller slices of a steady offer: ${freshCosts.join('; ')}.`,
  );
  const idealCost = costPerEvent(ideal.cpu, ideal.events);
  lines.push(
    `Against the ideal: its Postgres spent ${int(idealCost.postgres)} µs an event and had both cores to itself; ` +
      `the drain's Postgres spent ${int(drainCost.postgres)} µs an input (the read models' rows and indexes besides the events') ` +
      `and shared the cores with the service's ${int(drainCost.service)} µs.`,
  );
  const multi = results.drains.filter((drain) => drain.instances > 1);
  if (multi.length > 0) {
    const single = results.drains.find((drain) => drain.instances === 1);
    const base = single ? drainRates(single).fromFirstSlice : undefined;
    lines.push(
      `More instances: ${multi
        .map(
          (drain) =>
            `${drain.instances} give ${int(drainRates(drain).fromFirstSlice)}/s${base ? ` (${(drainRates(drain).fromFirstSlice / base).toFixed(2)}x one)` : ''}`,
        )
        .join(', ')}; they share ${machine.cores} cores with Kafka and Postgres.`,
    );
  }
  for (const run of freshness) {
    lines.push(
      `Freshness at ${int(run.offeredRate)}/s: ${run.keptUp ? 'the service kept up' : 'the service did NOT keep up'} (${int(run.achievedOfferRate)}/s achieved by the producer, ${int(run.visibleRate)}/s made visible); the poller asked every ${run.pollIntervalMeanMs.toFixed(1)} ms on average (longest gap ${int(run.pollIntervalMaxMs)} ms), which adds about half that to each figure.`,
    );
  }
  if (results.brokerRestarted) {
    lines.push(
      'NOISY: the shared local broker was restarted during the run (by other work on the machine); a phase that spanned the restart includes the wait.',
    );
  }
  const others = Math.max(...phases(results).map(([, usage]) => usage.other));
  if (machine.busyCoresBefore > 0.25 || others > 0.25) {
    lines.push(
      `NOISY: other work on the machine used ${cores(machine.busyCoresBefore)} cores in the second before the run (load average ${machine.loadAverageBefore.map((value) => value.toFixed(2)).join(' ')}) and up to ${cores(others)} cores during a phase; the figures are lower than on an idle machine.`,
    );
  }
  return lines;
}

export function renderTable(results: BenchResults): string {
  return [
    table(['measure', 'events/s', 'detail'], resultRows(results)),
    '',
    table(
      ['target', 'measured', 'verdict'],
      verdicts(results).map((verdict) => [verdict.target, verdict.measured, verdict.verdict]),
    ),
    '',
    table(CPU_HEADER, cpuRows(results)),
    '',
    table(WRITES_HEADER, writeRows(results.primary)),
    '',
    ...readings(results).map((line) => `- ${line}`),
  ].join('\n');
}

/** Other work had the machine: a warning for the top of the report, or nothing. */
function loadWarning(results: BenchResults): string {
  const { machine } = results;
  const others = Math.max(...phases(results).map(([, usage]) => usage.other));
  if (machine.busyCoresBefore <= 0.25 && others <= 0.25) return '';
  return `
> **Measured on a loaded machine**: load average ${machine.loadAverageBefore.map((value) => value.toFixed(2)).join(' ')} before the
> run, other work using ${cores(machine.busyCoresBefore)} cores then and up to ${cores(others)} during a phase. The rates are far below
> what this machine does when it is not shared; the shares, counts and memory hold better. Run it again on a quiet machine.
`;
}

export function renderMarkdown(results: BenchResults): string {
  const { config, machine } = results;
  return `# Benchmarks

Written by \`npm run bench\` (apps/bench) on ${results.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, in one run of ${sec(results.totalSeconds)}.
${loadWarning(results)}
\`\`\`sh
${config.command}
\`\`\`

Settings come from the environment: \`BENCH_EVENTS\` (messages in the backlog, default 2000000, with the
purchases the mix adds; the linearity run drains a tenth of it), \`BENCH_SUBSCRIBERS\` (500000),
\`BENCH_INSTANCES\` (service instances per drain, a list, default \`1,2\`), \`BENCH_PREFILL_EVENTS\`
(events stored before the second drain of the backlog, 10000000; 0 for none), \`BENCH_FRESHNESS_RATES\`
(\`5000,20000\` a second), \`BENCH_FRESHNESS_SECONDS\` (20), \`BENCH_PEER_EVENTS\` (20000),
\`BENCH_CPU_PROFILE\` (a folder: the one-instance drain's service runs under \`node --cpu-prof\` into it),
\`BENCH_SMOKE=1\` (a small run for CI that writes no file), \`BENCH_WRITE_REPORT=0\` (do not write this
file), \`KAFKA_BROKERS\`, \`BENCH_POSTGRES_URL\`.

## Machine

| | |
| --- | --- |
| CPU | ${machine.cores} cores, ${machine.model} |
| memory | ${machine.memoryGiB.toFixed(0)} GiB |
| Node | ${machine.node} |
| Kafka | ${machine.kafka} |
| Postgres | ${machine.postgres}; ${machine.postgresSettings} |
| peer | @event-driven-io/emmett-postgresql ${machine.emmett} |
| before the run | ${cores(machine.busyCoresBefore)} cores busy, load average ${machine.loadAverageBefore.map((value) => value.toFixed(2)).join(' ')} |

Kafka, Postgres, the service and the bench share these cores.

## Settings

- Backlog: the scenario's mix (\`apps/bench/src/traffic-mix.ts\`, seed 20030328, ${int(config.subscribers)} subscribers):
  ${describeBacklog(results.backlog)}. Heavy users (2% of subscribers, a quarter of the messages) buy a GBP3
  and buy again every 40 messages, so they use bolt-ons up and span several; 5% of the others buy one.
  Messages are 12% MMS, 5% inbound, 1% between two other networks, 4% roaming (40% of it outside the MMS
  list); 1% repeat an earlier messageId with the same content and 0.2% with other content; 0.1% are not
  valid inputs; 3% of purchases name a bolt-on not in the catalogue. Messages go keyed by sender on
  \`network.message-sent.v1\`, purchases on \`retail.bolt-on-purchased.v1\` (6 partitions each), produced
  before the service starts; a tenth of purchases are sent through \`POST /v1/subscribers/{msisdn}/bolt-ons\`
  (4 at a time) while the service drains. A drain's rate is per input (Kafka records and API calls).
  The tenth is the mix of a tenth of the messages on topics of its own.
- Drains: instance counts ${config.instances.join(', ')}; each drain has a fresh database and consumer group; the
  service runs from \`dist\` with its defaults. One instance migrates its own database (inside "service start");
  several start at once on a database migrated just before by the ledger CLI. Recorded offsets are read from
  Postgres (\`ingest_offsets\`) every 50 ms. The pre-filled drain reads the same backlog into a database that
  holds ${int(config.prefillEvents)} events (and their charges) of the same subscribers' streams beforehand.
- Freshness: ${config.freshnessRates.map(int).join(' and ')} records a second (the same mix, without its API purchases) for
  ${config.freshnessSeconds} s after a ${results.freshness[0]?.warmUpSeconds ?? 0} s warm-up that is not counted, on fresh topics and a fresh database, to one running service.
- Ceilings and peer: the same inputs. Kafka alone reads the drain's backlog from the beginning. The ideal batch
  append writes the backlog's events into the ledger's \`events\` table on a fresh database, its statements
  planned as the ledger plans its own appends (by key: no scans, no hash joins). The peer appends the
  messages among the first ${int(config.peerEvents)} of the mix, once one per call and once batched.

## Results

${table(['measure', 'events/s', 'detail'], resultRows(results))}

## Against the targets

${table(
  ['target', 'measured', 'verdict'],
  verdicts(results).map((verdict) => [verdict.target, verdict.measured, verdict.verdict]),
)}

## Where the CPU went

Cores used during each phase, from /proc: the service's processes, Postgres (the backends of this run's
databases and the server's own processes; the bench's pollers' backends count as the bench), the broker (shared: others' traffic counts too), the bench
process, every other process, the busy time no process accounts for (the kernel's own work, such as
loopback networking, and processes that ended during the phase), and the time the hypervisor gave this
virtual machine's cores to others (steal: cores the run was counted as busy on but did not have).

${table(CPU_HEADER, cpuRows(results))}

## What Postgres wrote per input

In the ${results.primary.instances}-instance drain, per input (message, purchase or invalid record), from the drain database's
\`pg_stat_user_tables\` read after the feed was empty; a btree takes an entry per inserted row and per update
that is not HOT (BRIN indexes, summarised by range, are left out).

${table(WRITES_HEADER, writeRows(results.primary))}

${readings(results)
  .map((line) => `- ${line}`)
  .join('\n')}

## How each figure is taken

- **Drain**: from spawning the service to the poll (every 50 ms) that finds every offset recorded in Postgres;
  "first slice" starts when the transaction of the first recorded slice began (the event store's \`recorded_at\`),
  so it leaves out the boot (Nest, migrations, group join, first fetch).
- **Freshness**: each record is due at its place in the schedule (record n at n / rate seconds); a poller on
  its own connection stamps a message when it first sees its \`charges\` row, polling every 10 ms; both on one
  monotonic clock, so a stall of the bench's own producer counts against the figure (its lateness is shown).
  The poller walks \`events\` by its primary key and looks up each new event's \`charges\` row (written in the same
  transaction) by its key, because \`charges\` has no index on \`global_position\` and a scan every 10 ms would load
  the machine under test; it re-asks for positions it skipped, since transactions commit out of position order. "Kept up" means the last
  message was visible within a second of the last produced.
- **Slices**: the service's own histograms (\`ledger_batch_size\`, \`ledger_batch_duration_seconds\` on
  \`GET /metrics\`) read before it stops; the p99 is the upper bound of the bucket that holds it.
- **Peak memory**: VmHWM of each service process, read from /proc before it is stopped.
- **CPU per event**: the cores of each part over the drain's steady stretch (from the first poll that finds a
  recorded offset), times its length, over the events recorded in it.
- **Kafka alone**: a kafkajs consumer set up as the service's (eachBatch, 6 partitions at once, 1 MiB a
  partition) that only resolves offsets; timed from joining its group to the last record.
- **Ideal batch append** (issue #17): the backlog's inputs as events (repeats and invalid records left out) in
  the ledger's \`events\` table with its unique stream version and idempotency key, plus one row of a balances
  table upserted per subscriber per transaction; ${int(IDEAL_EVENTS_PER_TRANSACTION)} events a transaction in one statement (a
  data-modifying CTE over two \`json_to_recordset\` parameters), one connection per core, a subscriber on one
  connection; no Kafka, no rating, no read models. Its connections plan as the ledger's appends do (by
  key: no scans, no hash joins). The JSON is built before the clock.
- **Rated feed**: at zero lag the bench counts the rated messages not yet published (message events past the
  relay's recorded checkpoint, the ledger's own backlog query) and
  polls every 20 ms until none is left.
- **Pre-fill**: \`INSERT … SELECT generate_series\` in Postgres, 500,000 rows a statement, into \`events\` and
  \`charges\` with the random-key unique indexes dropped and built again afterwards under their names,
  then \`VACUUM ANALYZE\` and a \`CHECKPOINT\` (the fill written out, so that the drain timed next does not
  share the disk with its writeback): quick, and the store it leaves is the one the service would have written.
- **Peer**: Emmett's \`getPostgreSQLEventStore(...).appendToStream(stream, events)\`, a stream per sender,
  ${results.peer.writers} concurrent writers (a sender stays on one), schema created before the clock; once one event per
  call as its documentation shows, once with a stream's pending messages (up to 100) in one call, the most
  batching its API allows (an append names one stream). It stores events only: no rating, no read models, no
  Kafka, so it does less work per event than the service.
`;
}
