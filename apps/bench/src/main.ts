import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { registerKafkaCodecs } from '@ledger/kafka-codecs';
import kafkajs from 'kafkajs';
import { produceBacklog } from './backlog.js';
import { loadBenchConfig, topicPrefix, type BenchConfig } from './bench-config.js';
import { consumeOnly, idealAppend } from './ceilings.js';
import { cleanUp } from './cleanup.js';
import { drainBacklog, type DrainResult } from './drain.js';
import { measureFirstRecord } from './first-record.js';
import { measureFreshness } from './freshness.js';
import { describeMachine, localBrokerPid } from './machine.js';
import { emmettPeer } from './peer.js';
import { note } from './progress.js';
import { renderMarkdown, renderTable, type BenchResults } from './report.js';
import { stopAllServices } from './service-process.js';

/**
 * npm run bench: in one run, the service's drain of a backlog of the scenario's mix (with 1..n
 * instances, at a tenth of the size, and behind a store pre-filled with millions of events), the rated
 * feed catching up, its freshness at steady offered rates, its peak memory, the ceilings of Kafka alone
 * and of the ideal batch append on the same inputs, and the Emmett peer one message an append and
 * batched; prints a table and writes BENCHMARKS.md.
 */
const { Kafka, logLevel } = kafkajs;

async function run(config: BenchConfig, kafka: kafkajs.Kafka): Promise<BenchResults> {
  const started = performance.now();
  const machine = await describeMachine(config.postgresUrl);
  note(
    `bench ${config.runId}: ${config.smoke ? 'smoke run, ' : ''}${config.events} messages, ${config.subscribers} subscribers, instances ${config.instances.join(',')}, prefill ${config.prefillEvents}`,
  );
  const backlog = await produceBacklog(kafka, config, topicPrefix(config, 'drain'), config.events);
  const tenthBacklog = await produceBacklog(
    kafka,
    config,
    topicPrefix(config, 'tenth'),
    Math.round(config.events / 10),
  );
  const drains: DrainResult[] = [];
  const primaryInstances = config.instances.includes(1) ? 1 : config.instances[0];
  for (const instances of config.instances) {
    const profile = instances === primaryInstances && config.cpuProfileDir ? config.cpuProfileDir : undefined;
    drains.push(await drainBacklog(config, backlog, instances, `drain_x${instances}`, { cpuProfileDir: profile }));
  }
  const primary = drains.find((drain) => drain.instances === primaryInstances) ?? drains[0];
  const tenth = await drainBacklog(config, tenthBacklog, primary.instances, 'tenth');
  const prefilled =
    config.prefillEvents > 0
      ? await drainBacklog(config, backlog, primary.instances, 'prefilled', { prefillEvents: config.prefillEvents })
      : null;
  const freshness = [];
  for (const rate of config.freshnessRates) freshness.push(await measureFreshness(kafka, config, rate));
  const firstRecord = await measureFirstRecord(kafka, config);
  const consumeCeiling = await consumeOnly(kafka, config, backlog);
  const ideal = await idealAppend(config, config.events);
  const peer = await emmettPeer(config, false);
  const peerBatched = await emmettPeer(config, true);
  return {
    config,
    machine,
    date: new Date(),
    backlog,
    tenthBacklog,
    drains,
    primary,
    tenth,
    prefilled,
    freshness,
    firstRecord,
    consumeOnly: consumeCeiling,
    ideal,
    peer,
    peerBatched,
    brokerRestarted: localBrokerPid() !== machine.brokerPid,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

async function main(): Promise<number> {
  const config = loadBenchConfig(process.env);
  const stack = spawnSync('bash', ['scripts/stack/stack.sh', 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (stack.status !== 0) throw new Error('the local broker did not start (scripts/stack/stack.sh up)');
  registerKafkaCodecs();
  // Patient with the broker: other work on the machine (the fault tests) may restart the shared one.
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 20 },
  });
  const interrupted = (): void => {
    note('interrupted: stopping the services and dropping what this run made');
    void stopAllServices()
      .then(() => cleanUp(kafka, config))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const results = await run(config, kafka);
    process.stdout.write(`\n${renderTable(results)}\n\ncommand: ${config.command}\n`);
    if (config.writeReport) {
      writeFileSync('BENCHMARKS.md', renderMarkdown(results));
      process.stdout.write('wrote BENCHMARKS.md\n');
    }
    return 0;
  } finally {
    await stopAllServices();
    const problems = await cleanUp(kafka, config);
    for (const problem of problems) note(`cleanup: could not drop ${problem}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
