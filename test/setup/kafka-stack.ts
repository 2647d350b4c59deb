import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** What a broker restart did: the JVM stopped, whether anything answered while it was down, the new JVM. */
export interface KafkaRestart {
  stoppedPid: number;
  answeredWhileDown: boolean;
  startedPid: number;
}

/** The pid in stack.sh's pid file (STACK_DIR or the repository's .stack), when that process is alive. */
export function stackBrokerPid(): number | null {
  const file = join(process.env.STACK_DIR ?? join(repoRoot(), '.stack'), 'kafka.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * Stops and starts the local broker (for fault tests); data in .stack/data survives. Refuses a
 * broker stack.sh did not start (its `down` would leave it running and exit 0), and fails when the
 * broker still answers after `down`.
 */
export async function restartKafka(): Promise<KafkaRestart> {
  const brokers = process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS;
  const stoppedPid = stackBrokerPid();
  if (stoppedPid === null) {
    throw new Error(
      `the Kafka broker at ${brokers} was not started by ${STACK_SCRIPT} from this checkout (no live pid in ` +
        `${process.env.STACK_DIR ?? '.stack'}/kafka.pid), so it is not this test's to restart; point KAFKA_BROKERS ` +
        `and STACK_DIR at a broker of its own (KAFKA_PORT=19192 STACK_DIR=/tmp/stack-tests bash ${STACK_SCRIPT} up)`,
    );
  }
  runStack('down', brokers);
  const answeredWhileDown = await kafkaAnswers(brokers);
  if (answeredWhileDown) {
    throw new Error(`${STACK_SCRIPT} down stopped pid ${stoppedPid} but Kafka at ${brokers} still answers`);
  }
  runStack('up', brokers);
  if (!(await kafkaAnswers(brokers))) {
    throw new Error(`Kafka at ${brokers} does not answer after restart`);
  }
  const startedPid = stackBrokerPid();
  if (startedPid === null || startedPid === stoppedPid) {
    throw new Error(`after the restart the broker's pid is ${startedPid}, not a new process (was ${stoppedPid})`);
  }
  return { stoppedPid, answeredWhileDown, startedPid };
}
