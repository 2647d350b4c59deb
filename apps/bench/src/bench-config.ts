import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Everything `npm run bench` is told through the environment, read and checked once. */
export interface BenchConfig {
  readonly smoke: boolean;
  /** Backlog drained by the service; the linearity run drains a tenth of it. */
  readonly events: number;
  readonly subscribers: number;
  /** Service instances in one consumer group, one drain per entry. */
  readonly instances: readonly number[];
  /** Offered rates of the freshness runs, one run each. */
  readonly freshnessRates: readonly number[];
  readonly freshnessSeconds: number;
  /** Events stored before the second drain of the backlog (0: no such drain). */
  readonly prefillEvents: number;
  /** Where the primary drain's service writes its `node --cpu-prof` profile; null for none. */
  readonly cpuProfileDir: string | null;
  readonly peerEvents: number;
  readonly writeReport: boolean;
  readonly brokers: string[];
  readonly postgresUrl: string;
  /** Names every topic, database and consumer group of this run, so cleanup finds them all. */
  readonly runId: string;
  /** The exact command, to print and to write in BENCHMARKS.md. */
  readonly command: string;
}

const SETTINGS = [
  'BENCH_SMOKE',
  'BENCH_EVENTS',
  'BENCH_SUBSCRIBERS',
  'BENCH_INSTANCES',
  'BENCH_FRESHNESS_RATES',
  'BENCH_FRESHNESS_SECONDS',
  'BENCH_PREFILL_EVENTS',
  'BENCH_CPU_PROFILE',
  'BENCH_PEER_EVENTS',
  'BENCH_WRITE_REPORT',
  'KAFKA_BROKERS',
  'BENCH_POSTGRES_URL',
] as const;

const count = (minimum: number) => z.coerce.number().int().min(minimum);

export function loadBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const smoke = env.BENCH_SMOKE === '1' || env.BENCH_SMOKE === 'true';
  // The smoke run changes the defaults only: a variable set explicitly still wins.
  const schema = z.object({
    BENCH_EVENTS: count(100).default(smoke ? 5_000 : 2_000_000),
    BENCH_SUBSCRIBERS: count(1)
      .max(99_999_999)
      .default(smoke ? 1_000 : 500_000),
    BENCH_INSTANCES: z
      .string()
      .default('1,2')
      .transform((value) => value.split(',').map((entry) => Number(entry.trim())))
      .refine((values) => values.every((value) => Number.isInteger(value) && value >= 1 && value <= 6), {
        message: 'must be a comma-separated list of instance counts from 1 to 6 (the input topic has 6 partitions)',
      }),
    BENCH_FRESHNESS_RATES: z
      .string()
      .default(smoke ? '500' : '5000,20000')
      .transform((value) => value.split(',').map((entry) => Number(entry.trim())))
      .refine((values) => values.every((value) => Number.isInteger(value) && value >= 1 && value <= 200_000), {
        message: 'must be a comma-separated list of rates a second, each from 1 to 200000',
      }),
    BENCH_PREFILL_EVENTS: z.coerce
      .number()
      .int()
      .min(0)
      .default(smoke ? 20_000 : 10_000_000),
    BENCH_CPU_PROFILE: z.string().min(1).optional(),
    BENCH_FRESHNESS_SECONDS: z.coerce
      .number()
      .positive()
      .default(smoke ? 3 : 20),
    BENCH_PEER_EVENTS: count(1).default(smoke ? 500 : 20_000),
    BENCH_WRITE_REPORT: z.enum(['0', '1']).default(smoke ? '0' : '1'),
    KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
    BENCH_POSTGRES_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/postgres'),
  });
  const present = Object.fromEntries(
    SETTINGS.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`bad bench setting: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  // The smoke run keeps one instance unless told otherwise, to stay well inside CI's time.
  const instances = smoke && env.BENCH_INSTANCES === undefined ? [1] : values.BENCH_INSTANCES;
  return {
    smoke,
    events: values.BENCH_EVENTS,
    subscribers: values.BENCH_SUBSCRIBERS,
    instances: [...new Set(instances)],
    freshnessRates: [...new Set(values.BENCH_FRESHNESS_RATES)],
    freshnessSeconds: values.BENCH_FRESHNESS_SECONDS,
    prefillEvents: values.BENCH_PREFILL_EVENTS,
    cpuProfileDir: values.BENCH_CPU_PROFILE ?? null,
    peerEvents: Math.min(values.BENCH_PEER_EVENTS, values.BENCH_EVENTS),
    writeReport: values.BENCH_WRITE_REPORT === '1',
    brokers: values.KAFKA_BROKERS.split(',').map((broker) => broker.trim()),
    postgresUrl: values.BENCH_POSTGRES_URL,
    runId: randomBytes(3).toString('hex'),
    command: commandLine(env),
  };
}

/** The settings given, in front of the way the bench was started. */
function commandLine(env: NodeJS.ProcessEnv): string {
  const given = SETTINGS.filter((name) => env[name] !== undefined && env[name] !== '').map(
    (name) => `${name}=${env[name]}`,
  );
  const runner = env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'node dist/apps/bench/src/main.js';
  return [...given, runner].join(' ');
}

/** A database of this run on the same server as BENCH_POSTGRES_URL. */
export function databaseUrl(config: BenchConfig, name: string): string {
  const url = new URL(config.postgresUrl);
  url.pathname = `/${databaseName(config, name)}`;
  return url.toString();
}

export function databaseName(config: BenchConfig, name: string): string {
  return `ledger_bench_${config.runId}_${name}`;
}

/** The topic prefix (and consumer group stem) of one part of this run. */
export function topicPrefix(config: BenchConfig, name: string): string {
  return `bench-${config.runId}-${name}.`;
}
