import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { registerKafkaCodecs } from '@ledger/kafka-codecs';
import kafkajs from 'kafkajs';
import { produceBacklog } from './backlog.js';
import { loadBenchConfig, topicPrefix, type BenchConfig } from './bench-config.js';
import { consumeOnly, postgresAlone } from './ceilings.js';
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
 * npm run bench: in one run, the service's backlog drain (with 1..n instances and at a tenth of
 * the size), its freshness at a steady offered rate, its peak memory, the ceilings of Kafka alone
 * and Postgres alone on the same records, and the Emmett peer; prints a table and writes BENCHMARKS.md.
 */
const { Kafka, logLevel } = kafkajs;

async function run(config: BenchConfig, kafka: kafkajs.Kafka): Promise<BenchResults> {
  const started = performance.now();
  const machine = await describeMachine(config.postgresUrl);
  note(
    `bench ${config.runId}: ${config.smoke ? 'smoke run, ' : ''}${config.events} events, instances ${config.instances.join(',')}`,
  );
  const backlog = await produceBacklog(kafka, config, topicPrefix(config, 'drain'), config.events);
  const tenthBacklog = await produceBacklog(
    kafka,
    config,
    topicPrefix(config, 'tenth'),
    Math.round(config.events / 10),
  );
  const drains: DrainResult[] = [];
  for (const instances of config.instances) {
    drains.push(await drainBacklog(config, backlog, instances, `drain_x${instances}`));
  }
  const primary = drains.find((drain) => drain.instances === 1) ?? drains[0];
  const tenth = await drainBacklog(config, tenthBacklog, primary.instances, 'tenth');
  const freshness = await measureFreshness(kafka, config);
  const firstRecord = await measureFirstRecord(kafka, config);
  const consumeCeiling = await consumeOnly(kafka, config, backlog);
  const postgresCeiling = await postgresAlone(config, config.events);
  const peer = await emmettPeer(config);
  return {
    config,
    machine,
    date: new Date(),
    backlog,
    tenthBacklog,
    drains,
    primary,
    tenth,
    freshness,
    firstRecord,
    consumeOnly: consumeCeiling,
    postgresAlone: postgresCeiling,
    peer,
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
