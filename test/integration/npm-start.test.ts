import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { TOPICS } from '@ledger/contracts';
import { apiClient, eventually, isolatedEnvironment, messageSent } from '../support/ledger-harness.js';
import { freePort } from '../support/service-process.js';

/** The README's first command, as a newcomer runs it: `npm start`, with no key configured. */
describe('npm start', () => {
  const environment = isolatedEnvironment('npmstart');
  let child: ChildProcess;
  let output = '';
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, ...environment.env };
    delete env.LEDGER_API_KEYS;
    child = spawn('npm', ['start', '--silent'], {
      env: { ...env, PORT: String(port), LOG_FORMAT: 'json' },
      detached: true,
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => expect((await fetch(`${url}/health`)).status).toBe(200), 90_000, 250);
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });

  it('prints a development key that the API accepts', async () => {
    const key = /development API key \(admin role\): (\S+)/.exec(output)?.[1];
    expect(key).toBeDefined();
    expect((await apiClient(url, key ?? 'no-key-printed').get('/v1/ingest')).status).toBe(200);
    expect((await apiClient(url, null).get('/v1/ingest')).status).toBe(401);
  });

  it('answers a message produced upstream with kcat', async () => {
    const key = /development API key \(admin role\): (\S+)/.exec(output)![1];
    const message = messageSent({ sender: { msisdn: '447700930001', network: 'O2-UK' } });
    const topic = environment.topic(TOPICS.messageSent);
    const kcat = spawnSync('kcat', ['-P', '-b', environment.env.KAFKA_BROKERS, '-t', topic, '-K', '\t'], {
      input: `447700930001\t${JSON.stringify(message)}\n`,
    });
    expect(kcat.error?.message ?? 'kcat ran').toBe('kcat ran');
    expect(kcat.status).toBe(0);
    // A generous bound, not a speed goal: the first-record latency is measured by the bench (apps/bench).
    const charge = await eventually(
      async () => {
        const response = await apiClient(url, key).get(`/v1/messages/${String(message.messageId)}`);
        expect(response.status).toBe(200);
        return response.body;
      },
      30_000,
      50,
    );
    expect(charge).toMatchObject({ status: 'CHARGED', pence: 10 });
  });
});
