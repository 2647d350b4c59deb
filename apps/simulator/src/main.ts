import { parseArgs } from 'node:util';
import { TOPICS } from '@ledger/contracts';
import { registerKafkaCodecs } from '@ledger/kafka-codecs';
import { messageTraffic, purchaseTraffic, type UpstreamRecord } from '@ledger/traffic';
import cliProgress from 'cli-progress';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;

const USAGE = `usage: npm run simulate -- [options]

Plays the upstream network against a running ledger: bolt-on purchases on ${TOPICS.boltOnPurchased},
then messages on ${TOPICS.messageSent} at a steady rate.

  --rate N          messages a second (default 500)
  --count N         messages in all (default 10000)
  --subscribers N   distinct O2 subscribers (default 1000)
  --purchases N     bolt-on purchases sent first (default: a tenth of the subscribers)
  --seed N          traffic seed (default 20030328); the same seed plays the same traffic
  --id-prefix S     messageId / purchaseId prefix (default SIM-<seed>)
  env KAFKA_BROKERS, KAFKA_TOPIC_PREFIX as for the service`;

interface Options {
  rate: number;
  count: number;
  subscribers: number;
  purchases: number;
  seed: number;
  idPrefix: string;
}

function readOptions(): Options | null {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string' },
      count: { type: 'string' },
      subscribers: { type: 'string' },
      purchases: { type: 'string' },
      seed: { type: 'string' },
      'id-prefix': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return null;
  const number = (name: string, value: string | undefined, fallback: number): number => {
    const parsed = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a whole number, not ${value}`);
    return parsed;
  };
  const subscribers = number('subscribers', values.subscribers, 1000);
  const seed = number('seed', values.seed, 20030328);
  return {
    rate: Math.max(1, number('rate', values.rate, 500)),
    count: number('count', values.count, 10_000),
    subscribers: Math.max(1, subscribers),
    purchases: number('purchases', values.purchases, Math.ceil(subscribers / 10)),
    seed,
    idPrefix: values['id-prefix'] ?? `SIM-${seed}`,
  };
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = readOptions();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const prefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
  registerKafkaCodecs();
  const kafka = new Kafka({
    clientId: 'traffic-simulator',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.WARN,
  });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    const traffic = { subscribers: options.subscribers, seed: options.seed, idPrefix: options.idPrefix };
    const purchases = [...purchaseTraffic(options.purchases, traffic)];
    for (let start = 0; start < purchases.length; start += 1000) {
      await producer.send({ topic: prefix + TOPICS.boltOnPurchased, messages: purchases.slice(start, start + 1000) });
    }
    process.stdout.write(`sent ${purchases.length} bolt-on purchases\n`);
    await play(producer, prefix + TOPICS.messageSent, messageTraffic(options.count, traffic), options);
    return 0;
  } finally {
    await producer.disconnect();
  }
}

/** Sends a slice every tenth of a second so the offered rate stays steady. */
async function play(
  producer: kafkajs.Producer,
  topic: string,
  records: Iterator<UpstreamRecord>,
  options: Options,
): Promise<void> {
  const bar = new cliProgress.SingleBar(
    { format: 'messages [{bar}] {value}/{total} | {rate} msg/s offered | {duration_formatted}' },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.count, 0, { rate: 0 });
  const started = Date.now();
  let sent = 0;
  try {
    while (sent < options.count) {
      const due = Math.min(options.count, Math.floor(((Date.now() - started) / 1000) * options.rate) + 1);
      const slice: UpstreamRecord[] = [];
      while (sent + slice.length < due) {
        const next = records.next();
        if (next.done) break;
        slice.push(next.value);
      }
      if (slice.length > 0) {
        await producer.send({ topic, messages: slice });
        sent += slice.length;
        bar.update(sent, { rate: Math.round(sent / Math.max((Date.now() - started) / 1000, 0.001)) });
      }
      if (sent < options.count) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    bar.stop();
  }
  process.stdout.write(`sent ${sent} messages in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`simulate failed: ${error.message}\n`);
    process.exit(1);
  },
);
