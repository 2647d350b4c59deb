import pg from 'pg';
import { deadLetterTopic } from '@ledger/contracts';
import { eventually } from '../support/ledger-harness.js';
import { ensureKafka, restartKafka } from '../setup/kafka-stack.js';
import type { ServiceProcess } from '../support/service-process.js';
import { readDeadLetters, Scenario } from './fault-scenario.js';
import { between, recordedSoFar, sleep } from './fault-workload.js';

/**
 * docs/CONTRACT.md section 6, "a crash at any instant, a restart of Kafka or of Postgres, a rebalance
 * between several ledger instances: nothing lost, nothing counted twice", against the built service
 * run as real processes: SIGKILL and SIGTERM of instances, a rebalance, a restart of the local
 * broker, and for Postgres the service's connections cut by pg_terminate_backend (what a Postgres
 * restart does to them; the machine's Postgres is shared, so it is not restarted). Every count is
 * checked against what the test produced, read from Postgres itself. Fault timings are seeded:
 * FAULT_SEED, printed at the start, replays them.
 */
/** The application_name the service's pool gives its Postgres connections (apps/ledger database.ts). */
const SERVICE_APPLICATION_NAME = 'message-ledger';

describe('exactly once under faults', () => {
  let scenario: Scenario | null = null;

  const open = (...args: Parameters<typeof Scenario.create>): Scenario => {
    scenario = Scenario.create(...args);
    return scenario;
  };

  afterEach(async () => {
    await scenario?.close();
    scenario = null;
  }, 120_000);

  afterAll(async () => {
    // Whatever happened in the broker test, leave a broker answering for whoever runs next.
    await ensureKafka();
  }, 180_000);

  /** /health back to 200 with no help from the test; a process that died instead fails at once, with its log. */
  const recovers = async (service: ServiceProcess, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!service.running) {
        throw new Error(
          `the service did not recover on its own: it exited ${JSON.stringify(service.exit)}\n${service.tail(60)}`,
        );
      }
      const status = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(5_000) }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline)
        throw new Error(`/health still answers ${status} after ${timeoutMs} ms\n${service.tail(60)}`);
      await sleep(250);
    }
  };

  it('records every record exactly once although the service is SIGKILLed at random moments', async () => {
    const run = open('eo-sigkill', { messages: 20_000, subscribers: 500 });
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect();
    await run.purchaseBoltOns();

    // FAULTS_KILLS=4 for one more; each SIGKILL costs about 30 s (see the restart below).
    const kills = Number(process.env.FAULTS_KILLS ?? 3);
    const parts = run.messageParts(Array<number>(kills + 1).fill(1));
    for (let kill = 1; kill <= kills; kill += 1) {
      // About 2,500 records a second from the moment the service is healthy (the first time: from
      // the stream's start), so that the kill finds it at work; the rest of the part goes on while it is down.
      const producing = run.producer.send(run.topics.messageSent, parts[kill - 1], 125, 40);
      const delay = between(100, 2_000);
      await sleep(delay);
      const exit = await ledger.kill('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');
      run.log.note(`SIGKILL #${kill}, ${delay} ms into the part: ${await run.progress()}`);
      await producing;
      // Healthy only once the group lets it in: after the killed member's 30 s session has run out.
      await ledger.start();
      run.log.note(`restarted and healthy: ${await run.progress()}`);
    }
    await run.producer.send(run.topics.messageSent, parts[kills], 500);

    expect(await run.exactlyOnceProblems(ledger.url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });

    // The dead letters may repeat after a crash (they go out before the commit) but never go missing.
    const deadLetters = await readDeadLetters(run.environment, deadLetterTopic(run.topics.messageSent));
    const unreadable = run.placed.filter(
      (record) => record.topic === run.topics.messageSent && record.expect.kind === 'unreadable',
    );
    expect(
      unreadable
        .filter((record) => !deadLetters.has(`${record.partition}:${record.offset}`))
        .map((r) => `${r.partition}:${r.offset}`),
    ).toEqual([]);
    const repeats = [...deadLetters.values()].filter(({ count }) => count > 1).length;
    run.log.note(
      `${unreadable.length} unreadable records, all on the dead-letter topic (${repeats} there more than once)`,
    );
  }, 300_000);

  it('records every record exactly once while instances of one group are killed, join and leave', async () => {
    const run = open('eo-group', { messages: 20_000, subscribers: 500 });
    const [first, second, third] = [run.instance('a'), run.instance('b'), run.instance('c')];
    await first.start();
    await second.start();
    await run.connect();
    await run.purchaseBoltOns();
    const parts = run.messageParts([1, 1, 2]);

    let producing = run.producer.send(run.topics.messageSent, parts[0], 250);
    const delay = between(100, 2_000);
    await sleep(delay);
    await first.kill('SIGKILL');
    run.log.note(`a SIGKILLed ${delay} ms into the stream: ${await run.progress()}`);
    await producing;
    producing = run.producer.send(run.topics.messageSent, parts[1], 250, 20);
    // c joins while a's membership has not yet expired, then a comes back as a new member.
    await third.start();
    run.log.note(`c joined: ${await run.progress()}`);
    await first.start();
    run.log.note(`a back: ${await run.progress()}`);
    await producing;

    // The largest part at full speed, so that b leaves while the group has work in hand.
    producing = run.producer.send(run.topics.messageSent, parts[2], 500);
    await sleep(between(100, 1_500));
    const left = Date.now();
    const exit = await second.kill('SIGTERM');
    run.log.note(`b left on SIGTERM in ${Date.now() - left} ms (${JSON.stringify(exit)}): ${await run.progress()}`);
    await producing;

    expect(await run.exactlyOnceProblems(first.url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
    await recovers(third);
  }, 300_000);

  it('recovers on its own when its Postgres connections are cut, and records every record exactly once', async () => {
    const run = open('eo-pgcut', { messages: 10_000, subscribers: 300 });
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect();
    await run.purchaseBoltOns();

    const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 200, 60);
    const database = new URL(run.environment.env.DATABASE_URL).pathname.slice(1);
    const cutter = new pg.Client({ connectionString: run.environment.env.DATABASE_URL });
    await cutter.connect();
    try {
      for (let cut = 1; cut <= 3; cut += 1) {
        await sleep(between(300, 1_200));
        // Cut only once the service holds a connection again, so that every cut reaches it.
        await eventually(async () => {
          const held = await cutter.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
            [database, SERVICE_APPLICATION_NAME],
          );
          expect(held.rows[0].n).toBeGreaterThan(0);
        }, 60_000);
        const result = await cutter.query<{ applicationName: string; cut: boolean }>(
          `SELECT application_name AS "applicationName", pg_terminate_backend(pid) AS cut
             FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [database],
        );
        const services = result.rows.filter((row) => row.applicationName === SERVICE_APPLICATION_NAME && row.cut);
        expect(services.length).toBeGreaterThan(0);
        run.log.note(`cut ${result.rowCount} connections, ${services.length} of the service: ${await run.progress()}`);
      }
    } finally {
      await cutter.end();
    }
    await producing;

    const recovery = await recovers(ledger).then(
      () => null,
      (error: Error) => error,
    );
    if (recovery) {
      // Still find out whether what was committed is right, so that the failure says both.
      run.log.note(`did not recover: ${JSON.stringify(ledger.exit)}; restarted by the test to check the ledger`);
      if (!ledger.running) await ledger.start();
    }
    const problems = await run.exactlyOnceProblems(ledger.url);
    if (recovery)
      throw new Error(
        `${recovery.message}\n(exactly once after a restart by the test: ${problems.length === 0 ? 'holds' : problems.join(' | ')})`,
      );
    expect(problems).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
  }, 180_000);

  describe('on SIGTERM', () => {
    let run: Scenario;
    let ended: { code: number | null; signal: string | null; tookMs: number };

    it('stops within 15 s with exit code 0', async () => {
      // Not open(): the scenario must outlive this test; the next one hands it to afterEach.
      run = Scenario.create('eo-sigterm', { messages: 8_000, subscribers: 300 });
      const ledger = run.instance('solo');
      await ledger.start();
      await run.connect();
      await run.purchaseBoltOns();
      const producing = run.producer.send(run.topics.messageSent, run.workload.messages, 200, 40);
      const before = await recordedSoFar(run.pool);
      await eventually(async () => expect(await recordedSoFar(run.pool)).toBeGreaterThan(before + 500), 60_000, 20);
      const asked = Date.now();
      const exit = await ledger.kill('SIGTERM', 30_000);
      ended = { ...exit, tookMs: Date.now() - asked };
      run.log.note(`SIGTERM: ${JSON.stringify(ended)}; ${await run.progress()}`);
      await producing;
      expect(ended.tookMs).toBeLessThanOrEqual(15_000);
      expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    }, 120_000);

    it('loses and doubles nothing across the stop and a restart', async () => {
      scenario = run;
      expect(ended).toBeDefined();
      const ledger = run.services[0];
      await ledger.start();
      expect(await run.exactlyOnceProblems(ledger.url)).toEqual([]);
      expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
    }, 120_000);
  });

  // Last: it stops the broker every other test file uses as well.
  it('recovers on its own from a broker restart mid-stream, and records every record exactly once', async () => {
    const run = open('eo-broker', { messages: 10_000, subscribers: 300 });
    const ledger = run.instance('solo');
    await ledger.start();
    await run.connect();
    await run.purchaseBoltOns();
    const [before, after] = run.messageParts([1, 1]);

    // At full speed, so that the broker goes down with records still to be consumed.
    await run.producer.send(run.topics.messageSent, before, 1_000);
    run.log.note(`first half produced: ${await run.progress()}`);
    const stopped = Date.now();
    const restart = await restartKafka();
    // The broker really went away: a restart that stopped nothing would prove nothing.
    expect(restart.answeredWhileDown).toBe(false);
    expect(restart.startedPid).not.toBe(restart.stoppedPid);
    run.log.note(`broker restarted in ${Date.now() - stopped} ms: ${await run.progress()}`);
    await run.producer.send(run.topics.messageSent, after, 250, 20);
    run.log.note(`second half produced: ${await run.progress()}`);

    await recovers(ledger, 120_000);
    expect(await run.exactlyOnceProblems(ledger.url, 180_000)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
  }, 360_000);
});
