import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const DEFAULT_BROKERS = '127.0.0.1:9092';
const STACK_SCRIPT = join('scripts', 'stack', 'stack.sh');

/** The repository root: two levels above this file, else the current directory. */
function repoRoot(): string {
  const here = fileURLToPath(new URL('../../', import.meta.url));
  return existsSync(join(here, STACK_SCRIPT)) ? here : process.cwd();
}

/** True when a broker at `brokers` answers a metadata request within a few seconds. */
export async function kafkaAnswers(brokers: string = process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'ledger-test-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 4000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Environment for stack.sh: KAFKA_PORT follows the first local broker unless already set. */
function stackEnv(brokers: string): NodeJS.ProcessEnv {
  const port = /:(\d+)$/.exec(brokers.split(',')[0].trim())?.[1];
  return { ...process.env, ...(process.env.KAFKA_PORT === undefined && port ? { KAFKA_PORT: port } : {}) };
}

function runStack(command: 'up' | 'down', brokers: string): void {
  const result = spawnSync('bash', [STACK_SCRIPT, command], {
    cwd: repoRoot(),
    stdio: 'inherit',
    env: stackEnv(brokers),
  });
  if (result.error) {
    throw new Error(`could not run ${STACK_SCRIPT} ${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`${STACK_SCRIPT} ${command} failed (exit ${result.status ?? result.signal}); see .stack/kafka.log`);
  }
}

/**
 * Makes sure a Kafka broker answers on `brokers`; starts the local single-node broker
 * (`scripts/stack/stack.sh up`) when none does. Throws when it cannot be started.
 */
export async function ensureKafka(brokers: string = process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS): Promise<void> {
  if (await kafkaAnswers(brokers)) return;
  const local = brokers.split(',').every((b) => /^(127\.0\.0\.1|localhost):\d+$/.test(b.trim()));
  if (!local) {
    throw new Error(`Kafka at ${brokers} does not answer and is not local, so it cannot be started here`);
  }
  runStack('up', brokers);
  if (!(await kafkaAnswers(brokers))) {
    throw new Error(`stack.sh up finished but Kafka at ${brokers} still does not answer`);
  }
}

/** Stops and starts the local broker (for fault tests); data in .stack/data survives. */
export async function restartKafka(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS;
  runStack('down', brokers);
  runStack('up', brokers);
  if (!(await kafkaAnswers(brokers))) {
    throw new Error(`Kafka at ${brokers} does not answer after restart`);
  }
}
