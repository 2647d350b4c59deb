import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from './ledger-harness.js';

/** The built service (`npm run build`), run exactly as `npm run start:prod` runs it; LEDGER_SERVICE_ENTRY points elsewhere. */
export const SERVICE_ENTRY =
  process.env.LEDGER_SERVICE_ENTRY ?? fileURLToPath(new URL('../../dist/apps/ledger/src/main.js', import.meta.url));

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcessOptions {
  /** Tells the instances of one test apart in logs and file names. */
  name?: string;
  /** Extra or overriding environment variables for the child. */
  env?: Record<string, string>;
  /** How long start() waits for GET /health to answer 200. */
  healthTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out at this instant. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The ledger as a real child process: its own port, its output in a log file under the OS temp
 * directory, killed with real signals. One instance may be started, killed and started again.
 */
export class ServiceProcess {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess | null = null;
  private exited: Promise<ServiceExit> | null = null;
  private lastExit: ServiceExit | null = null;
  private currentPort = 0;
  private starts = 0;

  constructor(
    private readonly environment: Environment,
    private readonly options: ServiceProcessOptions = {},
  ) {
    this.name = options.name ?? 'ledger';
    const label = environment.prefix.replace(/[^a-z0-9_]/gi, '-').replace(/-+$/, '');
    this.logFile = join(tmpdir(), `message-ledger-${label}-${this.name}-${process.pid}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.currentPort}`;
  }

  get port(): number {
    return this.currentPort;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.lastExit === null;
  }

  /** How the last run ended, or null while it runs (or before the first). */
  get exit(): ServiceExit | null {
    return this.lastExit;
  }

  /** Spawns the service on a fresh free port and waits for /health 200. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    // A build running beside the tests empties dist/ for a few seconds: wait that long, no more.
    for (let waited = 0; !existsSync(SERVICE_ENTRY); waited += 500) {
      if (waited >= 30_000)
        throw new Error(`${SERVICE_ENTRY} is missing: run \`npm run build\` before the fault tests`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.currentPort = await freePort();
    this.starts += 1;
    appendFileSync(
      this.logFile,
      `\n===== ${new Date().toISOString()} start #${this.starts} of ${this.name} on port ${this.currentPort}\n`,
    );
    const log = openSync(this.logFile, 'a');
    try {
      const child = spawn(process.execPath, [SERVICE_ENTRY], {
        env: {
          ...inheritedEnv(),
          NODE_ENV: 'production',
          ...this.environment.env,
          ...this.options.env,
          PORT: String(this.currentPort),
        },
        stdio: ['ignore', log, log],
      });
      this.child = child;
      this.lastExit = null;
      this.exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          this.lastExit = { code, signal };
          appendFileSync(this.logFile, `===== ${new Date().toISOString()} exit code=${code} signal=${signal}\n`);
          resolve(this.lastExit);
        });
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } finally {
      closeSync(log);
    }
    await this.waitHealthy(this.options.healthTimeoutMs ?? 90_000);
  }

  /** Polls GET /health until 200; fails early, with the log's tail, when the process dies. */
  async waitHealthy(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.lastExit)}) before /health answered 200\n${this.tail()}`,
        );
      }
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not answer /health 200 within ${timeoutMs} ms (last: ${last})\n${this.tail()}`);
  }

  /** Sends the signal and waits for the process to be gone; returns how it ended. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 30_000): Promise<ServiceExit> {
    if (!this.child || !this.exited) throw new Error(`${this.name} was never started`);
    if (!this.running) return this.lastExit!;
    this.child.kill(signal);
    const exit = await Promise.race([
      this.exited,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
    ]);
    if (exit === null) {
      throw new Error(
        `${this.name} (pid ${this.pid}) was still running ${timeoutMs} ms after ${signal}\n${this.tail()}`,
      );
    }
    return exit;
  }

  /** Kills (SIGKILL unless told otherwise) and starts again. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) await this.kill(signal);
    await this.start();
  }

  /** For afterAll: SIGTERM, then SIGKILL if it does not go within the time given. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    try {
      await this.kill('SIGTERM', timeoutMs);
    } catch {
      await this.kill('SIGKILL');
    }
  }

  /** The last lines of the log, for failure messages. */
  tail(lines = 40): string {
    if (!existsSync(this.logFile)) return `(no log at ${this.logFile})`;
    const text = readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    return `---- last ${lines} lines of ${this.logFile} ----\n${text}`;
  }
}

/** The built `npm run ledger` CLI beside the service (`rebuild`, `verify`), run in an environment; its exit code and output. */
export async function runLedgerCli(
  environment: Environment,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number | null; output: string }> {
  const cli = join(dirname(SERVICE_ENTRY), 'cli', 'ledger-cli.js');
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...inheritedEnv(), ...environment.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

/** The test runner's environment less what is Jest's own (its ESM flag, its worker ids). */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === 'NODE_OPTIONS' || name.startsWith('JEST_')) continue;
    env[name] = value;
  }
  return env;
}

/** Starts one instance of the service in the given environment and waits until it is healthy. */
export async function startService(
  environment: Environment,
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const service = new ServiceProcess(environment, options);
  await service.start();
  return service;
}
