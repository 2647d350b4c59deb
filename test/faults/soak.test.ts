import { Scenario } from './fault-scenario.js';
import { between, sleep } from './fault-workload.js';

/**
 * The exactly-once issue's acceptance: about 80,000 records while both instances of one consumer
 * group are SIGKILLed again and again (one, the other, then both at once), checked against what the
 * test produced.
 */
describe('exactly once under repeated kill -9 of two instances', () => {
  let run: Scenario | null = null;

  afterEach(async () => {
    await run?.close();
    run = null;
  }, 120_000);

  it('records every one of about 80,000 records exactly once', async () => {
    run = Scenario.create('eo-soak', { messages: 80_000, subscribers: 2_000 });
    const instances = [run.instance('a'), run.instance('b')];
    for (const instance of instances) await instance.start();
    await run.connect();
    await run.purchaseBoltOns();

    const victims = [[instances[0]], [instances[1]], [instances[0], instances[1]], [instances[1]], [instances[0]]];
    const parts = run.messageParts(Array<number>(victims.length + 1).fill(1));
    for (const [round, killed] of victims.entries()) {
      const producing = run.producer.send(run.topics.messageSent, parts[round], 250, 20);
      await sleep(between(200, 1_500));
      for (const instance of killed) await instance.kill('SIGKILL');
      run.log.note(`round ${round + 1}: killed ${killed.length}: ${await run.progress()}`);
      await producing;
      for (const instance of killed) await instance.start();
    }
    await run.producer.send(run.topics.messageSent, parts[victims.length], 500);

    expect(await run.exactlyOnceProblems(instances[0].url)).toEqual([]);
    expect(await run.readModelsMatchEvents()).toMatchObject({ code: 0 });
  }, 900_000);
});
