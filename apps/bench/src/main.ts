import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createServer } from 'node:net';
import cliProgress from 'cli-progress';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { messageTraffic } from '@ledger/traffic';

/**
 * npm run bench: pre-fills the input topic with a backlog of realistic traffic, starts the built
 * service as a child process, and measures the drain (events a second, from start to zero lag) and
 * the service's peak memory. Sizes come from BENCH_EVENTS and BENCH_SUBSCRIBERS.
 */
const { Kafka, logLevel, Partitioners } = kafkajs;
const events = Number(process.env.BENCH_EVENTS ?? 200_000);
const subscribers = Number(process.env.BENCH_SUBSCRIBERS ?? 20_000);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const writeReport = process.env.BENCH_WRITE_REPORT !== '0';
const runId = randomBytes(3).toString('hex');
const prefix = `bench-${runId}.`;
const databaseUrl = `postgres://postgres@127.0.0.1:5432/ledger_bench_${runId}`;
const apiKey = `bench-admin-key-${runId}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function prefill(kafka: kafkajs.Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const bar = new cliProgress.SingleBar({ format: 'prefill [{bar}] {value}/{total} records' }, cliProgress.Presets.shades_classic);
  bar.start(events, 0);
  const started = Date.now();
  let batch: { key: string; value: string }[] = [];
  let sent = 0;
  for (const record of messageTraffic(events, { subscribers, idPrefix: 'BENCH' })) {
    batch.push(record);
    if (batch.length === 5000) {
      await producer.send({ topic, messages: batch, acks: 1 });
      sent += batch.length;
      bar.update(sent);
      batch = [];
    }
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch, acks: 1 });
  bar.update(events);
  bar.stop();
  await producer.disconnect();
  return (Date.now() - started) / 1000;
}

function peakRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function drain(port: number): Promise<{ seconds: number; peakMiB: number }> {
  const started = Date.now();
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, 'dist/apps/ledger/src/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: `bench-${runId}`,
      LEDGER_API_KEYS: `admin:${apiKey}`,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const bar = new cliProgress.SingleBar({ format: 'drain   [{bar}] {value}/{total} records | {rate} events/s' }, cliProgress.Presets.shades_classic);
  bar.start(events, 0, { rate: 0 });
  let peakMiB = 0;
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      peakMiB = Math.max(peakMiB, peakRssMiB(child.pid!));
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
      const response = await fetch(`http://127.0.0.1:${port}/v1/ingest`, { headers: { authorization: `Bearer ${apiKey}` } }).catch(() => null);
      if (!response?.ok) continue;
      const { partitions } = (await response.json()) as { partitions: { topic: string; nextOffset: string }[] };
      const recorded = partitions.filter((p) => p.topic === prefix + 'network.message-sent.v1').reduce((sum, p) => sum + Number(p.nextOffset), 0);
      const seconds = (Date.now() - started) / 1000;
      bar.update(recorded, { rate: Math.round(recorded / seconds) });
      if (recorded >= events) {
        bar.stop();
        return { seconds, peakMiB: Math.max(peakMiB, peakRssMiB(child.pid!)) };
      }
    }
  } finally {
    bar.stop();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function copyCeiling(): Promise<number> {
  // Postgres alone: COPY the same records into a plain table with the event store's indexes.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE copy_ceiling (LIKE events INCLUDING ALL)');
    const started = Date.now();
    await client.query(`INSERT INTO copy_ceiling (stream_id, stream_version, event_type, idempotency_key, data)
                        SELECT stream_id, stream_version, event_type, idempotency_key || '-copy', data FROM events`);
    return (Date.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const stack = spawnSync('bash', ['scripts/stack/stack.sh', 'up'], { stdio: 'inherit' });
  if (stack.status !== 0) throw new Error('the local broker did not start');
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const prefillSeconds = await prefill(kafka, prefix + 'network.message-sent.v1');
  const { seconds, peakMiB } = await drain(await freePort());
  const insertSeconds = await copyCeiling();
  const rows = [
    ['events', String(events)],
    ['subscribers', String(subscribers)],
    ['produce backlog (acks=1)', `${prefillSeconds.toFixed(1)} s, ${Math.round(events / prefillSeconds)} records/s`],
    ['drain: service start to zero lag', `${seconds.toFixed(1)} s, ${Math.round(events / seconds)} events/s`],
    ['service peak memory (VmHWM)', `${peakMiB.toFixed(0)} MiB`],
    ['Postgres alone: INSERT … SELECT of the same events', `${insertSeconds.toFixed(1)} s, ${Math.round(events / insertSeconds)} events/s`],
  ];
  const table = rows.map(([name, value]) => `| ${name} | ${value} |`).join('\n');
  process.stdout.write(`\n| measure | result |\n| --- | --- |\n${table}\n`);
  if (writeReport) {
    writeFileSync(
      'BENCHMARKS.md',
      `# Benchmarks

Measured with \`BENCH_EVENTS=${events} BENCH_SUBSCRIBERS=${subscribers} npm run bench\` on ${new Date().toISOString().slice(0, 10)}:
${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version},
Kafka 4.4.0 single node, the machine's Postgres with synchronous_commit on, all on one machine.

| measure | result |
| --- | --- |
${table}

What is not measured yet (issue 6): freshness p50/p99 at a steady offered rate, the consume-only
ceiling, the Emmett peer, 1/2/3 instances, and the 10x linearity run.
`,
    );
  }
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ledger_bench_${runId} WITH (FORCE)`);
  await admin.end();
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
