import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from '@ledger/contracts';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import type { PostgresHa } from '../support/postgres-ha.js';
import { REPO_ROOT, type PrivateKafkaStack } from '../support/secure-kafka-stack.js';
import type { Scenario } from './fault-scenario.js';
import { recordedSoFar, sleep, type PlacedRecord } from './fault-workload.js';

const { Kafka, logLevel } = kafkajs;
const STACK_SCRIPT = join(REPO_ROOT, 'scripts', 'stack', 'stack.sh');
const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '4.4.0';

/** Points a scenario's environment at the private cluster and, when given, the private formation. */
export function onPrivateEngines(scenario: Scenario, cluster: PrivateKafkaStack, formation?: PostgresHa): void {
  const env = scenario.environment.env;
  env.KAFKA_BROKERS = cluster.plaintextBrokers;
  if (formation) {
    const database = decodeURIComponent(new URL(env.DATABASE_URL).pathname.slice(1));
    env.DATABASE_URL = formation.url(database);
  }
}

/** The process id of one node of a private `stack.sh up --brokers 3` cluster. */
export function brokerPid(cluster: PrivateKafkaStack, node: number): number {
  return Number(readFileSync(join(cluster.stackDir, `kafka-${node}.pid`), 'utf8').trim());
}

/** kill -9 of one broker; resolves once the process is gone. */
export async function killBroker(cluster: PrivateKafkaStack, node: number): Promise<void> {
  const pid = brokerPid(cluster, node);
  process.kill(pid, 'SIGKILL');
  for (let waited = 0; existsProcess(pid); waited += 100) {
    if (waited > 15_000) throw new Error(`broker ${node} (pid ${pid}) still runs after SIGKILL`);
    await sleep(100);
  }
}

/** `stack.sh up` again, without blocking the test's event loop: starts the nodes that are down. */
export async function healCluster(cluster: PrivateKafkaStack): Promise<void> {
  const child = spawn('bash', [STACK_SCRIPT, 'up', '--brokers', '3'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KAFKA_LIBS_DIR: join(REPO_ROOT, '.stack', `kafka-${KAFKA_VERSION}`, 'libs'),
      ...cluster.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`stack.sh up (heal) failed with ${code}:\n${output}`);
}

/** The broker that leads the most partitions of the given topics now, and how many it leads. */
export async function busiestLeader(cluster: PrivateKafkaStack, topics: string[]): Promise<number> {
  const kafka = new Kafka({
    clientId: 'ha-leaders',
    brokers: cluster.plaintextBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics });
    const led = new Map<number, number>();
    for (const topic of metadata.topics)
      for (const partition of topic.partitions) led.set(partition.leader, (led.get(partition.leader) ?? 0) + 1);
    return [...led.entries()].sort((a, b) => b[1] - a[1])[0][0];
  } finally {
    await admin.disconnect();
  }
}

/**
 * What a fault cost, read from the ledger's own offsets: from the fault until the ledger records
 * anything new (the stall), and until it has recorded everything produced before the fault (the lag).
 */
export class FailoverClock {
  private constructor(
    private readonly scenario: Scenario,
    private readonly what: string,
    private readonly startedAt: number,
    private readonly recordedAtFault: number,
    private readonly producedAtFault: number,
  ) {}

  static async start(scenario: Scenario, what: string): Promise<FailoverClock> {
    const recorded = await readRecorded(scenario.pool);
    return new FailoverClock(scenario, what, Date.now(), recorded ?? 0, scenario.placed.length);
  }

  /** Polls until the ledger has caught up with what was produced before the fault; prints and returns the costs. */
  async measure(timeoutMs = 180_000): Promise<{ stallSeconds: number; lagSeconds: number }> {
    let stallSeconds = NaN;
    for (;;) {
      const recorded = await readRecorded(this.scenario.pool);
      const seconds = (Date.now() - this.startedAt) / 1000;
      if (recorded !== null && recorded > this.recordedAtFault && Number.isNaN(stallSeconds)) stallSeconds = seconds;
      if (recorded !== null && recorded >= this.producedAtFault) {
        if (Number.isNaN(stallSeconds)) stallSeconds = seconds;
        const line = `${this.what}: ingest stalled ${stallSeconds.toFixed(1)} s, caught up with the records produced before it after ${seconds.toFixed(1)} s`;
        this.scenario.log.note(line);
        process.stderr.write(`[failover cost] ${line}\n`);
        return { stallSeconds, lagSeconds: seconds };
      }
      if (seconds * 1000 > timeoutMs) throw new Error(`${this.what}: not caught up within ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

async function readRecorded(pool: pg.Pool): Promise<number | null> {
  return recordedSoFar(pool).catch(() => null);
}

/** Waits until the relay has published the whole outbox. */
export async function outboxDrained(pool: pg.Pool, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await pool
      .query<{ n: string }>('SELECT count(*) AS n FROM outbox')
      .then((result) => Number(result.rows[0].n))
      .catch(() => -1);
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained within ${timeoutMs} ms (${left} rows left)`);
    await sleep(250);
  }
}

/**
 * The rated feed against the charges read model: every rated message on ledger.message-rated.v1
 * exactly once, and nothing the ledger did not rate.
 */
export async function ratedFeedProblems(scenario: Scenario): Promise<string[]> {
  await outboxDrained(scenario.pool);
  const topic = scenario.environment.topic(TOPICS.messageRated);
  const kafka = new Kafka({
    clientId: 'ha-feed-reader',
    brokers: scenario.environment.env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
  await admin.disconnect();
  const seen = new Map<string, number>();
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  if (remaining.size > 0) {
    const consumer = kafka.consumer({ groupId: `ha-feed-reader-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${topic} not read to its end within 120 s`)), 120_000);
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                const id = (JSON.parse(message.value?.toString('utf8') ?? '{}') as { messageId?: string }).messageId;
                seen.set(String(id), (seen.get(String(id)) ?? 0) + 1);
              }
              const last = batch.messages.at(-1);
              if (last && BigInt(last.offset) + 1n >= ends.get(batch.partition)!) remaining.delete(batch.partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
              await Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }
  const charges = await scenario.pool.query<{ message_id: string }>('SELECT message_id FROM charges');
  const rated = new Set(charges.rows.map((row) => row.message_id));
  const problems: string[] = [];
  const missing = [...rated].filter((id) => !seen.has(id));
  const doubled = [...seen].filter(([, n]) => n > 1);
  const extra = [...seen.keys()].filter((id) => !rated.has(id));
  if (missing.length > 0)
    problems.push(`${missing.length} rated messages not on the feed, e.g. ${missing.slice(0, 5).join(', ')}`);
  if (doubled.length > 0)
    problems.push(
      `${doubled.length} messages on the feed more than once, e.g. ${doubled
        .slice(0, 5)
        .map(([id, n]) => `${id} x${n}`)
        .join(', ')}`,
    );
  if (extra.length > 0)
    problems.push(`${extra.length} feed records for no rated message, e.g. ${extra.slice(0, 5).join(', ')}`);
  scenario.log.note(
    problems.length === 0 ? `rated feed: ${rated.size} messages, each once` : `FEED: ${problems.join(' | ')}`,
  );
  return problems;
}

function existsProcess(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * What the input topics really hold, read back from Kafka: a producer retry across a broker's
 * death may write a chunk twice (the upstream's duplicate, not the ledger's), so the expectation
 * is taken from the log itself. A later copy of a message is an exact repeat; of an unreadable
 * record, one more unreadable record.
 */
export async function placedInKafka(scenario: Scenario): Promise<{ placed: PlacedRecord[]; duplicates: number }> {
  const byContent = new Map<string, PlacedRecord>();
  // An exact repeat in the workload has its original's content: the original's expectation stands for both.
  for (const record of scenario.placed) {
    const content = contentKey(record.key, record.value);
    if (!byContent.has(content)) byContent.set(content, record);
  }
  const kafka = new Kafka({
    clientId: 'ha-input-reader',
    brokers: scenario.environment.env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topics = [scenario.topics.boltOnPurchased, scenario.topics.messageSent];
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  for (const topic of topics)
    for (const { partition, high } of await admin.fetchTopicOffsets(topic))
      ends.set(`${topic}:${partition}`, BigInt(high));
  await admin.disconnect();
  const found: PlacedRecord[] = [];
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([key]) => key));
  const consumer = kafka.consumer({ groupId: `ha-input-reader-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`input topics not read to their end within 120 s`)), 120_000);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const key = message.key?.toString('utf8') ?? null;
              const produced = byContent.get(contentKey(key, message.value));
              if (!produced) throw new Error(`${batch.topic}:${batch.partition}@${message.offset} was never produced`);
              found.push({
                ...produced,
                topic: batch.topic,
                partition: batch.partition,
                offset: BigInt(message.offset),
              });
            }
            const last = batch.messages.at(-1);
            const where = `${batch.topic}:${batch.partition}`;
            if (last && BigInt(last.offset) + 1n >= ends.get(where)!) remaining.delete(where);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            await Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  found.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  const seen = new Set<string>();
  const placed = found.map((record) => {
    const content = contentKey(record.key, record.value);
    const again = seen.has(content);
    seen.add(content);
    if (!again) return record;
    return record.expect.kind === 'message'
      ? { ...record, expect: { kind: 'repeat' as const, messageId: record.expect.messageId } }
      : record;
  });
  // Records the broker holds beyond those it acknowledged: a request retried after its write landed.
  return { placed, duplicates: found.length - scenario.placed.length };
}

function contentKey(key: string | null, value: Buffer | null): string {
  return `${key ?? ''}\u0000${value?.toString('base64') ?? ''}`;
}
