import { eventually } from '../support/ledger-harness.js';
import { PostgresHa } from '../support/postgres-ha.js';
import { startPrivateKafka, type PrivateKafkaStack } from '../support/secure-kafka-stack.js';
import { Scenario } from './fault-scenario.js';
import { between, recordedSoFar, sleep } from './fault-workload.js';
import {
  brokerPid,
  busiestLeader,
  FailoverClock,
  healCluster,
  killBroker,
  onPrivateEngines,
  ratedFeedProblems,
} from './ha-failover.js';

/**
 * docs/CONTRACT.md section 6 on replicated engines: kill -9 of a Kafka broker of a three-node KRaft
 * cluster (replication 3, min.insync.replicas 2 from its defaults) and of the Postgres primary of a
 * pg_auto_failover formation behind HAProxy, while records stream. Both run on private ports for
 * this file alone and are stopped after it. Counts are the test's own, read from Postgres and Kafka.
 */
let cluster: PrivateKafkaStack;
let formation: PostgresHa;

beforeAll(async () => {
  const formationStarting = PostgresHa.start();
  // Both come up together: the formation's script runs as a child while stack.sh blocks this thread.
  cluster = await startPrivateKafka({ brokers: 3 });
  formation = await formationStarting;
}, 600_000);

afterAll(async () => {
  await formation?.stop();
  cluster?.stop();
}, 300_000);

describe('exactly once when a replicated engine loses a node', () => {
  let scenario: Scenario | null = null;

  afterEach(async () => {
    await scenario?.close();
    scenario = null;
  }, 120_000);

  const placedReach = async (run: Scenario, count: number, producing: Promise<void>): Promise<void> => {
    let done = false;
    void producing.finally(() => (done = true));
    while (run.placed.length < count && !done) await sleep(50);
  };

  // The test's pool may hold connections to the node that died: the first query on one fails.
  const afterFailover = (run: Scenario): Promise<number> => eventually(() => recordedSoFar(run.pool), 30_000, 200);

  it('loses and doubles nothing when a broker, then the busiest partition leader, is killed while 50,000 messages stream', async () => {
    const run = (scenario = Scenario.create('ha-broker', { messages: 50_000, subscribers: 1_000 }));
    onPrivateEngines(run, cluster);
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect();
    await run.purchaseBoltOns();
    const inputs = [run.topics.messageSent, run.topics.boltOnPurchased];

    const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 500);
    await placedReach(run, between(8_000, 14_000), producing);
    const first = between(1, 3);
    await killBroker(cluster, first);
    run.log.note(`kill -9 broker ${first}: ${await run.progress()}`);
    await (await FailoverClock.start(run, `broker ${first} killed`)).measure();
    await healCluster(cluster);
    run.log.note(`broker ${first} back (pid ${brokerPid(cluster, first)})`);

    await placedReach(run, between(28_000, 36_000), producing);
    const leader = await busiestLeader(cluster, inputs);
    await killBroker(cluster, leader);
    run.log.note(`kill -9 broker ${leader}, leader of most input partitions: ${await run.progress()}`);
    await (await FailoverClock.start(run, `partition leader ${leader} killed`)).measure();
    await producing;
    expect(ledger.running).toBe(true);

    expect(await run.exactlyOnceProblems(ledger.url, 300_000)).toEqual([]);
    expect(await ratedFeedProblems(run)).toEqual([]);
    await healCluster(cluster);
  }, 900_000);

  it('loses no committed slice when the Postgres primary is killed and the secondary takes over', async () => {
    const run = (scenario = Scenario.create('ha-postgres', { messages: 20_000, subscribers: 500 }));
    onPrivateEngines(run, cluster, formation);
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect();
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

    expect(await run.exactlyOnceProblems(ledger.url, 300_000)).toEqual([]);
    expect(await ratedFeedProblems(run)).toEqual([]);
    const verify = await run.readModelsMatchEvents();
    expect(verify).toMatchObject({ code: 0 });
    await formation.heal();
  }, 900_000);

  it('loses and doubles nothing across two instances when a broker and the Postgres primary are both killed', async () => {
    const run = (scenario = Scenario.create('ha-both', { messages: 20_000, subscribers: 500 }));
    onPrivateEngines(run, cluster, formation);
    const [one, two] = [run.instance('one'), run.instance('two')];
    await Promise.all([one.start(), two.start()]);
    await run.connect();
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

    expect(await run.exactlyOnceProblems(one.url, 300_000)).toEqual([]);
    expect(await ratedFeedProblems(run)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
    await healCluster(cluster);
  }, 900_000);
});
