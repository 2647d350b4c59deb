import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { spawnSync } from 'node:child_process';

/**
 * Installs what the tests need and the machine lacks, starts the local broker when none answers,
 * and gives this run its own database and topic prefix so that runs never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  ensureRequirements(REQUIREMENTS, systemHost(), process.env.TEST_SETUP_DRY_RUN === '1');
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `ledger_test_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await dropStaleTestDatabases(admin);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  process.env.TEST_RUN_ID = runId;
  process.env.DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = database;
  process.env.KAFKA_BROKERS ??= '127.0.0.1:9092';
  process.env.KAFKA_TOPIC_PREFIX = `test-${runId}.`;
  process.env.KAFKA_GROUP_ID = `ledger-test-${runId}`;
  ensureLocalBroker();
}

/**
 * Jest loads this file on its own, without the project's module mapping, so it cannot import
 * kafka-stack.ts: `stack.sh up` itself returns at once when a broker already answers.
 */
function ensureLocalBroker(): void {
  if (process.env.KAFKA_BROKERS !== '127.0.0.1:9092' || process.env.TEST_SKIP_STACK) return;
  const result = spawnSync('bash', ['scripts/stack/stack.sh', 'up'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the local Kafka broker could not be started (see .stack/kafka.log)');
}

/** Databases of runs that died before their teardown, older than a day. */
async function dropStaleTestDatabases(admin: pg.Client): Promise<void> {
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'ledger_test_%'`,
  );
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const { datname } of stale.rows) {
    const created = parseInt(datname.slice('ledger_test_'.length, -6), 36);
    if (Number.isFinite(created) && created < dayAgo) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  }
}

// --- what the tests need from the machine -------------------------------------------------------
// Here rather than in a file of its own: Jest loads this file without the project's module mapping.

/** A program the tests run, and the Debian packages that provide it. */
export interface Requirement {
  /** Probed with `command -v`: a name on PATH or an absolute path. */
  command: string;
  packages: string[];
  neededBy: string;
}

/** What the integration tests need from the machine; add a line here when a test needs a new tool. */
export const REQUIREMENTS: readonly Requirement[] = [
  { command: 'chromium', packages: ['chromium'], neededBy: 'the dashboard browser tests' },
  { command: 'kcat', packages: ['kcat'], neededBy: 'the scenario and npm start tests (an outside Kafka client)' },
  { command: 'java', packages: ['openjdk-17-jre-headless'], neededBy: 'the local Kafka broker (stack.sh)' },
  { command: 'mvn', packages: ['maven'], neededBy: "the first fetch of the broker's jars (stack.sh)" },
  {
    command: 'keytool',
    packages: ['openjdk-17-jre-headless'],
    neededBy: 'the secured Kafka stack (stack.sh --secure)',
  },
  { command: 'openssl', packages: ['openssl'], neededBy: 'the secured Kafka stack and the TLS tests' },
  { command: 'promtool', packages: ['prometheus'], neededBy: 'the alert rule and metrics tests' },
  { command: 'haproxy', packages: ['haproxy'], neededBy: 'the Postgres HA tests (postgres-ha.sh)' },
  {
    command: 'pg_autoctl',
    packages: ['postgresql-15-auto-failover', 'pg-auto-failover-cli'],
    neededBy: 'the Postgres HA tests (postgres-ha.sh)',
  },
  {
    command: 'docker-compose',
    packages: ['docker-compose'],
    neededBy: 'the compose file test (a real Compose parser)',
  },
];

/** The machine as the installer sees it; injectable so the decision can be unit-tested. */
export interface Host {
  has(command: string): boolean;
  isRoot(): boolean;
  /** Runs a command with its output shown; returns its exit status (null when it could not start). */
  run(command: string, args: string[], env: Record<string, string>): number | null;
  log(line: string): void;
}

export type Plan =
  | { kind: 'ready' }
  | { kind: 'install'; packages: string[]; steps: { command: string; args: string[] }[] }
  | { kind: 'cannot'; packages: string[]; reason: string };

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };

/** The command a person runs to install `packages` by hand. */
export function manualCommand(packages: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
}

export function missing(requirements: readonly Requirement[], host: Pick<Host, 'has'>): Requirement[] {
  return requirements.filter((requirement) => !host.has(requirement.command));
}

/** Decides what to do about the requirements the machine lacks, without doing it. */
export function plan(requirements: readonly Requirement[], host: Pick<Host, 'has' | 'isRoot'>): Plan {
  const absent = missing(requirements, host);
  if (absent.length === 0) return { kind: 'ready' };
  const packages = [...new Set(absent.flatMap((requirement) => requirement.packages))];
  if (!host.isRoot()) return { kind: 'cannot', packages, reason: 'not running as root' };
  if (!host.has('apt-get')) return { kind: 'cannot', packages, reason: 'apt-get is not on this machine' };
  return {
    kind: 'install',
    packages,
    steps: [
      { command: 'apt-get', args: ['update', '-qq'] },
      { command: 'apt-get', args: ['install', '-y', '-qq', ...packages] },
    ],
  };
}

function cannot(requirements: readonly Requirement[], packages: string[], reason: string): Error {
  const needs = requirements.map((requirement) => `${requirement.command} (${requirement.neededBy})`).join(', ');
  return new Error(`the tests need ${needs}, which this machine lacks; ${reason}. Run: ${manualCommand(packages)}`);
}

/**
 * Installs through apt what the tests need and the machine lacks, printing what it installs; throws
 * with the exact command to run where it cannot. With `dryRun` it only prints the plan.
 */
export function ensureRequirements(
  requirements: readonly Requirement[] = REQUIREMENTS,
  host: Host = systemHost(),
  dryRun = false,
): Plan {
  const decided = plan(requirements, host);
  const absent = missing(requirements, host);
  if (decided.kind === 'ready') {
    if (dryRun) host.log(`[requirements] all present: ${requirements.map((r) => r.command).join(', ')}`);
    return decided;
  }
  if (decided.kind === 'cannot') {
    if (dryRun) {
      host.log(`[requirements] would fail: ${decided.reason}; run ${manualCommand(decided.packages)}`);
      return decided;
    }
    throw cannot(absent, decided.packages, decided.reason);
  }
  for (const requirement of absent) {
    host.log(`[requirements] ${requirement.command} is missing (${requirement.neededBy})`);
  }
  host.log(`[requirements] ${dryRun ? 'would install' : 'installing'} from Debian: ${decided.packages.join(' ')}`);
  if (dryRun) {
    for (const step of decided.steps) host.log(`[requirements] would run: ${step.command} ${step.args.join(' ')}`);
    return decided;
  }
  for (const step of decided.steps) {
    const status = host.run(step.command, step.args, APT_ENV);
    if (status !== 0) {
      throw cannot(absent, decided.packages, `\`${step.command} ${step.args.join(' ')}\` failed (exit ${status})`);
    }
  }
  const still = missing(absent, host);
  if (still.length > 0) {
    throw cannot(still, decided.packages, `apt-get installed ${decided.packages.join(' ')} but they are still missing`);
  }
  host.log(`[requirements] installed ${decided.packages.join(' ')}`);
  return decided;
}

/** The real machine: `command -v` probes, the process's uid, apt output on the terminal. */
export function systemHost(): Host {
  return {
    has: (command) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0,
    isRoot: () => process.getuid?.() === 0,
    run: (command, args, env) => spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status,
    // Jest's global setup has no logger of its own: stderr is what the person running the tests sees.
    log: (line) => process.stderr.write(`${line}\n`),
  };
}
