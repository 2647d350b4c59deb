import { readFileSync } from 'node:fs';

/**
 * `node dist/apps/bench/src/profile-summary.js FILE.cpuprofile [FROM_S [TO_S]]`: where a service's CPU went during a
 * drain profiled with BENCH_CPU_PROFILE (node --cpu-prof), as self time by part of the work and the
 * functions that took the most, in Markdown. The parts are told apart by the source file of each frame.
 * FROM_S and TO_S keep the samples between those seconds after the profile began (the process start):
 * the drain alone, say, without the rated feed's catch-up after zero lag.
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Parts of the work, first match wins: a frame's file (or, for V8's builtins, its name) decides. */
const PARTS: readonly (readonly [string, (url: string, name: string) => boolean])[] = [
  ['idle (waiting on I/O)', (url, name) => name === '(idle)'],
  ['garbage collection', (url, name) => name === '(garbage collector)'],
  ['Kafka client (kafkajs: fetch decoding, protocol)', (url) => url.includes('node_modules/kafkajs')],
  [
    'Postgres client (pg, pg-protocol: statements, parsing rows)',
    (url) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//.test(url),
  ],
  ['input validation (zod)', (url) => url.includes('node_modules/zod')],
  ['logging (pino)', (url) => /node_modules\/(pino|pino-http|nestjs-pino|sonic-boom)/.test(url)],
  ['Nest, CQRS, rxjs, Express', (url) => /node_modules\/(@nestjs|rxjs|express|router|body-parser)/.test(url)],
  ['other libraries', (url) => url.includes('node_modules/')],
  ['contracts: decoding and normalising inputs', (url) => url.includes('libs/contracts/')],
  ['rating (libs/rating)', (url) => url.includes('libs/rating/')],
  ['event store (libs/event-store)', (url) => url.includes('libs/event-store/')],
  ['ingest: decode, slice, record (apps/ledger ingest)', (url) => url.includes('/ingest/')],
  [
    'read models and feed: building their statements',
    (url) =>
      /\/(charges|bolt-ons|rejections|rated-feed|read-models?)\//.test(url) || url.includes('read-model-projections'),
  ],
  ['rest of the service', (url) => url.includes('apps/ledger/')],
  ['JSON.parse / JSON.stringify (V8)', (url, name) => url === '' && /^(parse|stringify|JSON)/.test(name)],
  ['Node core (streams, sockets, buffers)', (url) => url.startsWith('node:')],
  ['V8 and other native code', () => true],
];

export function summarise(profile: CpuProfile, fromSeconds = 0, toSeconds = Infinity): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < fromSeconds * 1e6 || at > toSeconds * 1e6) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const part = PARTS.find(([, test]) => test(url, functionName))![0];
    parts.set(part, (parts.get(part) ?? 0) + micros);
    const where =
      url === '' ? '(native)' : `${url.replace(/^.*\/(node_modules|apps|libs)\//, '$1/')}:${lineNumber + 1}`;
    if (functionName === '(idle)') continue;
    const name = `${functionName || '(anonymous)'} ${where}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const busy = total - (parts.get('idle (waiting on I/O)') ?? 0);
  const share = (micros: number, of: number): string => `${((micros / Math.max(of, 1)) * 100).toFixed(1)}%`;
  const rows = [...parts].sort(([, a], [, b]) => b - a);
  const top = [...functions].sort(([, a], [, b]) => b - a).slice(0, 25);
  return [
    `Profile of ${(total / 1e6).toFixed(1)} s${fromSeconds > 0 || Number.isFinite(toSeconds) ? ` (${fromSeconds} s to ${toSeconds} s after it began)` : ''}, of which ${(busy / 1e6).toFixed(1)} s on the CPU (the rest idle).`,
    '',
    '| part (self time) | CPU s | share of busy |',
    '| --- | --- | --- |',
    ...rows.map(
      ([part, micros]) =>
        `| ${part} | ${(micros / 1e6).toFixed(2)} | ${part.startsWith('idle') ? '' : share(micros, busy)} |`,
    ),
    '',
    '| function (self time) | CPU s | share of busy |',
    '| --- | --- | --- |',
    ...top.map(([name, micros]) => `| \`${name}\` | ${(micros / 1e6).toFixed(2)} | ${share(micros, busy)} |`),
  ].join('\n');
}

const file = process.argv[2];
if (file) {
  const [from, to] = [process.argv[3], process.argv[4]].map((value) =>
    value === undefined ? undefined : Number(value),
  );
  process.stdout.write(
    `${summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, from ?? 0, to ?? Infinity)}\n`,
  );
} else if (process.argv[1]?.endsWith('profile-summary.js')) {
  process.stderr.write('usage: node dist/apps/bench/src/profile-summary.js FILE.cpuprofile [FROM_S [TO_S]]\n');
  process.exit(2);
}
