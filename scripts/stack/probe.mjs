// Readiness probe used by stack.sh.
//   node scripts/stack/probe.mjs [brokers] [timeoutMs]         exit 0 when the broker answers a
//                                                              real metadata request (listTopics)
//   node scripts/stack/probe.mjs [brokers] [timeoutMs] --warm  also create the internal
//     __consumer_offsets and __transaction_state topics (FindCoordinator + InitProducerId), so the
//     first test does not see "coordinator is loading / not available" errors from kafkajs.
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const warm = process.argv.includes('--warm');
const brokers = (args[0] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const timeoutMs = Number(args[1] ?? 5000);

const kafka = new Kafka({
  clientId: 'stack-probe',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: Math.min(2000, timeoutMs),
  requestTimeout: timeoutMs,
  retry: warm ? { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 } : { retries: 0 },
});

const timer = setTimeout(
  () => {
    process.stderr.write(`probe: no answer from ${brokers.join(',')} within ${timeoutMs} ms\n`);
    process.exit(1);
  },
  warm ? timeoutMs + 30000 : timeoutMs + 1000,
);

const admin = kafka.admin();
try {
  await admin.connect();
  await admin.listTopics();
  if (warm) {
    await admin.describeGroups(['stack-warmup']);
    const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await idempotent.connect(); // InitProducerId
    await idempotent.disconnect();
    const transactional = kafka.producer({
      transactionalId: 'stack-warmup',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await transactional.connect();
    const tx = await transactional.transaction(); // FindCoordinator(txn) + InitProducerId
    await tx.abort();
    await transactional.disconnect();
  }
  clearTimeout(timer);
  await admin.disconnect().catch(() => {});
  process.exit(0);
} catch (err) {
  process.stderr.write(`probe: ${err?.name ?? 'Error'}: ${err?.message ?? err}\n`);
  await admin.disconnect().catch(() => {});
  process.exit(1);
}
