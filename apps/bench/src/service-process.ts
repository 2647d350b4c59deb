import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built service, run as `npm run start:prod` runs it. */
const SERVICE_ENTRY = 'dist/apps/ledger/src/main.js';
const CLI_ENTRY = 'dist/apps/ledger/src/cli/ledger-cli.js';

/** What one ledger environment of the bench is: its database, topics and consumer group. */
export interface LedgerEnvironment {
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  readonly groupId: string;
  readonly brokers: readonly string[];
  readonly apiKey: string;
}

const running = new Set<ServiceInstance>();

/** A service instance as a child process on its own port, its output in a log file. */
export class ServiceInstance {
  private peakKiB = 0;
  private exitCode: number | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 1);
        running.delete(this);
        resolve();
      }),
    );
  }

  /** @param nodeOptions flags for node before the entry point, such as --cpu-prof */
  static async start(
    environment: LedgerEnvironment,
    name: string,
    nodeOptions: readonly string[] = [],
  ): Promise<ServiceInstance> {
    const port = await freePort();
    const logFile = join(tmpdir(), `message-ledger-bench-${name}-${process.pid}.log`);
    const log = openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, [...nodeOptions, SERVICE_ENTRY], {
        env: { ...process.env, ...serviceEnv(environment), PORT: String(port) },
        stdio: ['ignore', log, log],
      });
      const instance = new ServiceInstance(name, port, logFile, child);
      running.add(instance);
      return instance;
    } finally {
      closeSync(log);
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Fails the bench with the log's path when the service stopped on its own. */
  assertRunning(): void {
    if (this.exitCode !== null)
      throw new Error(`service ${this.name} exited with ${this.exitCode}; its log: ${this.logFile}`);
  }

  /** Waits for GET /health to answer 200: the service is consuming and its database answers. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertRunning();
      const response = await fetch(`http://127.0.0.1:${this.port}/health`).catch(() => null);
      if (response?.ok) return;
      await sleep(100);
    }
    throw new Error(`service ${this.name} was not healthy within ${timeoutMs / 1000} s; its log: ${this.logFile}`);
  }

  /** Reads VmHWM, the resident set's high-water mark; kept so the figure survives the exit. */
  samplePeakMemory(): number {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) this.peakKiB = Math.max(this.peakKiB, Number(match[1]));
    } catch {
      // The process is gone: the last sample stands.
    }
    return this.peakMiB;
  }

  get peakMiB(): number {
    return this.peakKiB / 1024;
  }

  /** SIGTERM, as an orchestrator stops it; the peak memory is read first. */
  async stop(): Promise<void> {
    this.samplePeakMemory();
    if (this.exitCode === null) this.child.kill('SIGTERM');
    const forced = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(forced);
  }
}

/** Stops every instance still running (on failure or interruption). */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((instance) => instance.stop()));
}

/**
 * Creates the database and applies the migrations before any instance starts, so that several
 * instances can start at once without racing on the schema. The ledger CLI applies migrations as it
 * opens the database; `verify` on an empty database then has nothing to compare.
 */
export async function prepareDatabase(environment: LedgerEnvironment): Promise<void> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'verify'], {
    env: { ...process.env, ...serviceEnv(environment) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`could not prepare ${environment.databaseUrl} with the ledger CLI:\n${output}`);
}

function serviceEnv(environment: LedgerEnvironment): Record<string, string> {
  return {
    DATABASE_URL: environment.databaseUrl,
    KAFKA_BROKERS: environment.brokers.join(','),
    KAFKA_TOPIC_PREFIX: environment.topicPrefix,
    KAFKA_GROUP_ID: environment.groupId,
    LEDGER_API_KEYS: `admin:${environment.apiKey}`,
    // The bench's API purchases come through one key on behalf of a whole retail estate: the per-key limit is not what it measures.
    API_RATE_LIMIT: '0',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
