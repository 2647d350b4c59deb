import { eventually } from '../support/ledger-harness.js';
import { PostgresHa } from '../support/postgres-ha.js';
import { startPrivateKafka, type PrivateKafkaStack } from '../support/secure-kafka-stack.js';
import { Scenario } from './fault-scenario.js';
import { between, exactlyOnceProblems, recordedSoFar, sleep, waitUntilConsumed } from './fault-workload.js';
import {
  brokerPid,
  busiestLeader,
  FailoverClock,
  healCluster,
  killBroker,
  onPrivateEngines,
  placedInKafka,
  ratedFeedProblems,
} from './ha-failover.js';

/**
 * docs/CONTRACT.md section 6 on replicated engines: kill -9 of a Kafka broker of a three-node KRaft
 * cluster (replication 3, min.insync.replicas 2 from its defaults) and of the Postgres primary of a
 * pg_auto_failover formation behind HAProxy, while records stream. The cluster is this file's
 * own, on private ports; each Postgres test starts a formation of its own. Counts are the test's
 * own, read back from Kafka and Postgres. FAULTS_VERBOSE=1 prints each scenario's timeline.
 */
let cluster: PrivateKafkaStack;

beforeAll(async () => {
  cluster = await startPrivateKafka({ brokers: 3 });
}, 600_000);

afterAll(() => {
  cluster?.stop();
}, 300_000);

describe('exactly once when a replicated engine loses a node', () => {
  let scenario: Scenario | null = null;
  let formation: PostgresHa | null = null;

  afterEach(async () => {
    await scenario?.close();
    scenario = null;
    await formation?.stop();
    formation = null;
    // A test that failed half-way may leave a broker down; the next one needs all three.
    await healCluster(cluster);
  }, 300_000);

  /** Exactly once against what Kafka holds, and the rated feed against the charges. */
  const exactlyOnce = async (run: Scenario, url: string): Promise<string[]> => {
    await waitUntilConsumed(run.pool, run.placed, null, 300_000).catch(() => undefined);
    const { placed, duplicates } = await placedInKafka(run);
    run.log.note(
      `${placed.length} records in the input topics, ${duplicates} beyond the producer's acknowledgements (a retried request written twice)`,
    );
    await waitUntilConsumed(run.pool, placed, url, 300_000);
    const problems = await exactlyOnceProblems(run.pool, run.workload, placed);
    run.log.note(problems.length === 0 ? 'exactly once holds' : `PROBLEMS: ${problems.join(' | ')}`);
    return [...problems, ...(await ratedFeedProblems(run))];
  };

  const placedReach = async (run: Scenario, count: number, producing: Promise<void>): Promise<void> => {
    let done = false;
    void producing.finally(() => (done = true));
    while (run.placed.length < count && !done) await sleep(50);
  };

  // The test's pool may hold connections to the node that died: the first query on one fails.
  const afterFailover = (run: Scenario): Promise<number> => eventually(() => recordedSoFar(run.pool), 30_000, 200);

  it('loses no committed slice when the Postgres primary is killed and the secondary takes over', async () => {
    const run = (scenario = Scenario.create('ha-postgres', { messages: 20_000, subscribers: 500 }));
    formation = await PostgresHa.start();
    onPrivateEngines(run, cluster, formation);
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect(true);
    await run.purchaseBoltOns();

    const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 250, 50);
    await placedReach(run, between(4_000, 8_000), producing);
    // What Postgres acknowledged as committed before the kill: synchronous replication must keep all of it.
    const committedBefore = await recordedSoFar(run.pool);
    const clock = await FailoverClock.start(run, 'Postgres primary killed');
    const lost = await formation.killPrimary();
    const killedAt = Date.now();
    const promoted = await formation.waitForFailover(lost.name);
    const promotion = ((Date.now() - killedAt) / 1000).toFixed(1);
    process.stderr.write(
      `[failover cost] ${lost.name} killed, ${promoted.name} primary behind HAProxy after ${promotion} s\n`,
    );
    run.log.note(`primary ${lost.name} killed; ${promoted.name} promoted after ${promotion} s`);
    expect(await afterFailover(run)).toBeGreaterThanOrEqual(committedBefore);
    await clock.measure();
    await producing;
    expect(ledger.running).toBe(true);

    expect(await exactlyOnce(run, ledger.url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
  }, 900_000);

  it('loses and doubles nothing across two instances when a broker and the Postgres primary are both killed', async () => {
    const run = (scenario = Scenario.create('ha-both', { messages: 20_000, subscribers: 500 }));
    formation = await PostgresHa.start();
    onPrivateEngines(run, cluster, formation);
    const [one, two] = [run.instance('one'), run.instance('two')];
    await Promise.all([one.start(), two.start()]);
    await run.connect(true);
    await run.purchaseBoltOns();

    const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 250, 40);
    await placedReach(run, between(3_000, 6_000), producing);
    const broker = await busiestLeader(cluster, [run.topics.messageSent]);
    await killBroker(cluster, broker);
    run.log.note(`kill -9 broker ${broker}: ${await run.progress()}`);
    const brokerClock = await FailoverClock.start(run, `both faults: broker ${broker} killed`);

    await placedReach(run, between(9_000, 13_000), producing);
    const committedBefore = await recordedSoFar(run.pool);
    const pgClock = await FailoverClock.start(run, 'both faults: Postgres primary killed');
    const lost = await formation.killPrimary();
    run.log.note(`primary ${lost.name} killed`);
    await formation.waitForFailover(lost.name);
    expect(await afterFailover(run)).toBeGreaterThanOrEqual(committedBefore);
    await brokerClock.measure();
    await pgClock.measure();
    await producing;
    expect([one.running, two.running]).toEqual([true, true]);

    expect(await exactlyOnce(run, one.url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
    // The broker test that follows needs all three nodes.
    await healCluster(cluster);
  }, 900_000);
  it('loses and doubles nothing when a broker, then the busiest partition leader, is killed while 50,000 messages stream', async () => {
    const run = (scenario = Scenario.create('ha-broker', { messages: 50_000, subscribers: 1_000 }));
    onPrivateEngines(run, cluster);
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect(true);
    await run.purchaseBoltOns();
    const [first, second] = run.messageParts([1, 1]);

    // The stream in two halves: bringing a node back takes a minute here, and a second node lost
    // before the first is back would leave no quorum and no in-sync pair.
    let producing = run.producer.send(run.topics.messageSent, first, 500, 20);
    await placedReach(run, run.placed.length + between(6_000, 14_000), producing);
    const victim = between(1, 3);
    await killBroker(cluster, victim);
    run.log.note(`kill -9 broker ${victim}: ${await run.progress()}`);
    await (await FailoverClock.start(run, `broker ${victim} killed`)).measure();
    await producing;
    await healCluster(cluster);
    run.log.note(`broker ${victim} back (pid ${brokerPid(cluster, victim)})`);

    producing = run.producer.send(run.topics.messageSent, second, 500, 20);
    await placedReach(run, run.placed.length + between(6_000, 14_000), producing);
    const leader = await busiestLeader(cluster, [run.topics.messageSent, run.topics.boltOnPurchased]);
    await killBroker(cluster, leader);
    run.log.note(`kill -9 broker ${leader}, leader of most input partitions: ${await run.progress()}`);
    await (await FailoverClock.start(run, `partition leader ${leader} killed`)).measure();
    await producing;
    expect(ledger.running).toBe(true);

    expect(await exactlyOnce(run, ledger.url)).toEqual([]);
  }, 900_000);
});
