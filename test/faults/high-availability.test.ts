import { eventually } from '../support/ledger-harness.js';
import { PostgresHa } from '../support/postgres-ha.js';
import { startPrivateKafka, type PrivateKafkaStack } from '../support/secure-kafka-stack.js';
import { Scenario } from './fault-scenario.js';
import { between, exactlyOnceProblems, recordedSoFar, sleep, waitUntilConsumed } from './fault-workload.js';
import {
  brokerPid,
  busiestLeader,
  FailoverClock,
  fullyInSync,
  healCluster,
  killBroker,
  onPrivateEngines,
  placedInKafka,
  ratedFeedProblems,
} from './ha-failover.js';

/**
 * docs/CONTRACT.md section 6 on replicated engines: kill -9 of a Kafka broker of a three-node KRaft
 * cluster (replication 3, min.insync.replicas 2 from its defaults) and of the Postgres primary of a
 * pg_auto_failover formation behind HAProxy, while records stream. The cluster and the formation
 * are this file's own, on private ports, started together and shared by the tests: a node killed
 * is brought back (the broker restarted, the old primary rejoining as the secondary) while the
 * test goes on, and the next kill waits until it is back and in sync. Counts are the test's own,
 * read back from Kafka and Postgres. FAULTS_VERBOSE=1 prints each scenario's timeline.
 */
let cluster: PrivateKafkaStack | null = null;
let formation: PostgresHa | null = null;

/** A node's return, run in the background while a test goes on, awaited before the next kill. */
class Healing {
  private task: Promise<unknown> = Promise.resolve();
  private startedAt = Date.now();

  constructor(private readonly what: string) {}

  start(work: () => Promise<unknown>): void {
    this.startedAt = Date.now();
    const task = work();
    task.catch(() => undefined);
    this.task = task;
  }

  /** Resolves once the last heal has ended, or rejects with its failure. */
  async done(): Promise<void> {
    try {
      await this.task;
    } catch (error) {
      throw new Error(`${this.what}: bringing the killed node back failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  since(): number {
    return (Date.now() - this.startedAt) / 1000;
  }
}

const brokers = new Healing('Kafka cluster');
const postgres = new Healing('Postgres formation');

beforeAll(async () => {
  const started = Date.now();
  // Kafka's JVMs and the formation's initdb run side by side: the slower one sets the wait.
  const [kafka, ha] = await Promise.allSettled([startPrivateKafka({ brokers: 3 }), PostgresHa.start()]);
  if (kafka.status === 'fulfilled') cluster = kafka.value;
  if (ha.status === 'fulfilled') formation = ha.value;
  if (kafka.status === 'rejected') throw kafka.reason;
  if (ha.status === 'rejected') throw ha.reason;
  process.stderr.write(`[ha] three brokers and the formation up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}, 600_000);

afterAll(async () => {
  await Promise.allSettled([brokers.done(), postgres.done()]);
  await formation?.stop();
  cluster?.stop();
}, 300_000);

describe('exactly once when a replicated engine loses a node', () => {
  let scenario: Scenario | null = null;
  let passed = false;

  beforeEach(() => {
    passed = false;
  });

  afterEach(async () => {
    await scenario?.close();
    scenario = null;
    // A test that failed half-way may leave a node down: the next one needs them all.
    if (!passed) {
      const [kafka, ha] = [cluster!, formation!];
      brokers.start(() => healCluster(kafka));
      postgres.start(() => ha.heal());
    }
  }, 300_000);

  const engines = (): { kafka: PrivateKafkaStack; ha: PostgresHa } => {
    if (!cluster || !formation) throw new Error('the engines did not start');
    return { kafka: cluster, ha: formation };
  };

  /** Exactly once against what Kafka holds, and the rated feed against the event store. */
  const exactlyOnce = async (run: Scenario, url: string): Promise<string[]> => {
    const { placed, duplicates, acknowledgedMissing, unknown } = await placedInKafka(run);
    const kept = `${placed.length} records in the input topics for ${run.placed.length} acknowledged: ${duplicates} beyond the acknowledgements (a retried request written twice), ${acknowledgedMissing.length} acknowledged and missing; ${run.producer.unanswered} sent again that kafkajs had left unanswered`;
    run.log.note(kept);
    process.stderr.write(`[ha] ${run.label}: ${kept}\n`);
    const problems: string[] = [];
    // acks=-1 with min.insync.replicas 2: an acknowledged record that Kafka does not hold is a loss by the cluster.
    if (acknowledgedMissing.length > 0)
      problems.push(
        `${acknowledgedMissing.length} records acknowledged with acks=-1 that Kafka does not hold where it said, e.g. ${acknowledgedMissing.slice(0, 5).join(', ')}`,
      );
    if (unknown.length > 0)
      problems.push(
        `${unknown.length} records in the input topics never produced, e.g. ${unknown.slice(0, 5).join(', ')}`,
      );
    await waitUntilConsumed(run.pool, placed, url, 300_000);
    const ledger = await exactlyOnceProblems(run.pool, run.workload, placed);
    run.log.note(ledger.length === 0 ? 'exactly once holds' : `PROBLEMS: ${ledger.join(' | ')}`);
    return [...problems, ...ledger, ...(await ratedFeedProblems(run))];
  };

  const placedReach = async (run: Scenario, count: number, producing: Promise<void>): Promise<void> => {
    let done = false;
    void producing.finally(() => (done = true)).catch(() => undefined);
    while (run.placed.length < count && !done) await sleep(50);
  };

  // The test's pool may hold connections to the node that died: the first query on one fails.
  const afterFailover = (run: Scenario): Promise<number> => eventually(() => recordedSoFar(run.pool), 30_000, 200);

  /**
   * The previous test's kills healed: every broker back and a synchronous secondary, before a
   * service creates its topics (replication 3 needs three brokers) and its database.
   */
  const allNodesBack = async (run: Scenario): Promise<void> => {
    const waited = Date.now();
    await Promise.all([brokers.done(), postgres.done()]);
    run.log.note(`all nodes back (waited ${((Date.now() - waited) / 1000).toFixed(1)} s)`);
  };

  /** Every partition of the scenario's topics with all three replicas in sync. */
  const inSync = async (run: Scenario, kafka: PrivateKafkaStack): Promise<number> => {
    const seconds = await fullyInSync(kafka, run.environment.prefix);
    run.log.note(`all replicas in sync (${seconds.toFixed(1)} s): ${await run.progress()}`);
    return seconds;
  };

  it('loses no committed slice when the Postgres primary is killed and the secondary takes over', async () => {
    const { kafka, ha } = engines();
    const run = (scenario = Scenario.create('ha-postgres', { messages: 20_000, subscribers: 500 }));
    onPrivateEngines(run, kafka, ha);
    const ledger = run.instance('solo');
    await allNodesBack(run);
    await ledger.start();
    await run.connect(true);
    await inSync(run, kafka);
    await run.purchaseBoltOns();

    const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 250, 50);
    await placedReach(run, between(4_000, 8_000), producing);
    // What Postgres acknowledged as committed before the kill: synchronous replication must keep all of it.
    const committedBefore = await recordedSoFar(run.pool);
    const clock = await FailoverClock.start(run, 'Postgres primary killed');
    const lost = await ha.killPrimary();
    const killedAt = Date.now();
    const promoted = await ha.waitForFailover(lost.name);
    const promotion = ((Date.now() - killedAt) / 1000).toFixed(1);
    process.stderr.write(
      `[failover cost] ${lost.name} killed, ${promoted.name} primary behind HAProxy after ${promotion} s\n`,
    );
    run.log.note(`primary ${lost.name} killed; ${promoted.name} promoted after ${promotion} s`);
    // The old primary comes back as the secondary while this test goes on.
    postgres.start(() => ha.heal());
    expect(await afterFailover(run)).toBeGreaterThanOrEqual(committedBefore);
    await clock.measure();
    await producing;
    expect(ledger.running).toBe(true);

    expect(await exactlyOnce(run, ledger.url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
    passed = true;
  }, 600_000);

  it('loses and doubles nothing across two instances when a broker and the Postgres primary are both killed', async () => {
    const { kafka, ha } = engines();
    const run = (scenario = Scenario.create('ha-both', { messages: 20_000, subscribers: 500 }));
    onPrivateEngines(run, kafka, ha);
    const [one, two] = [run.instance('one'), run.instance('two')];
    await allNodesBack(run);
    await Promise.all([one.start(), two.start()]);
    await run.connect(true);
    await inSync(run, kafka);
    await run.purchaseBoltOns();

    const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 250, 40);
    await placedReach(run, between(3_000, 6_000), producing);
    const broker = await busiestLeader(kafka, [run.topics.messageSent]);
    await killBroker(kafka, broker);
    run.log.note(`kill -9 broker ${broker}: ${await run.progress()}`);
    const brokerClock = await FailoverClock.start(run, `both faults: broker ${broker} killed`);
    // Restarting a broker takes longer than the run to the next fault: it is still down then.
    brokers.start(() => healCluster(kafka));

    await placedReach(run, between(9_000, 13_000), producing);
    const committedBefore = await recordedSoFar(run.pool);
    const pgClock = await FailoverClock.start(run, 'both faults: Postgres primary killed');
    const lost = await ha.killPrimary();
    run.log.note(`primary ${lost.name} killed, ${brokers.since().toFixed(1)} s into broker ${broker}'s restart`);
    await ha.waitForFailover(lost.name);
    postgres.start(() => ha.heal());
    expect(await afterFailover(run)).toBeGreaterThanOrEqual(committedBefore);
    await brokerClock.measure();
    await pgClock.measure();
    await producing;
    expect([one.running, two.running]).toEqual([true, true]);

    expect(await exactlyOnce(run, one.url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
    passed = true;
  }, 600_000);

  it('loses and doubles nothing when a broker, then the busiest partition leader, is killed while 50,000 messages stream', async () => {
    const { kafka } = engines();
    const run = (scenario = Scenario.create('ha-broker', { messages: 50_000, subscribers: 1_000 }));
    onPrivateEngines(run, kafka);
    const ledger = run.instance('solo');
    await allNodesBack(run);
    await ledger.start();
    await run.connect(true);
    await inSync(run, kafka);
    await run.purchaseBoltOns();
    const [first, second] = run.messageParts([1, 1]);

    // The stream in two halves: a second node lost before the first is back and in sync would
    // leave no quorum, or a leader whose log the others do not hold.
    let producing = run.producer.send(run.topics.messageSent, first, 500, 20);
    await placedReach(run, run.placed.length + between(6_000, 14_000), producing);
    const victim = between(1, 3);
    await killBroker(kafka, victim);
    run.log.note(`kill -9 broker ${victim}: ${await run.progress()}`);
    const firstClock = await FailoverClock.start(run, `broker ${victim} killed`);
    brokers.start(() => healCluster(kafka));
    await firstClock.measure();
    await producing;
    await brokers.done();
    run.log.note(`broker ${victim} back (pid ${brokerPid(kafka, victim)}) after ${brokers.since().toFixed(1)} s`);
    // The next kill only once the node is back in every ISR: it may be the next leader.
    await inSync(run, kafka);

    producing = run.producer.send(run.topics.messageSent, second, 500, 20);
    await placedReach(run, run.placed.length + between(6_000, 14_000), producing);
    const leader = await busiestLeader(kafka, [run.topics.messageSent, run.topics.boltOnPurchased]);
    await killBroker(kafka, leader);
    run.log.note(`kill -9 broker ${leader}, leader of most input partitions: ${await run.progress()}`);
    await (await FailoverClock.start(run, `partition leader ${leader} killed`)).measure();
    await producing;
    expect(ledger.running).toBe(true);

    expect(await exactlyOnce(run, ledger.url)).toEqual([]);
    passed = true;
  }, 600_000);
});
