import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STACK_SCRIPT = join(REPO_ROOT, 'scripts', 'stack', 'stack.sh');
const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '4.4.0';

export interface StackRun {
  status: number | null;
  output: string;
}

function stackEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // One fetch of the jars serves every private stack (stack.sh runs Maven when they are missing).
    KAFKA_LIBS_DIR: join(REPO_ROOT, '.stack', `kafka-${KAFKA_VERSION}`, 'libs'),
    ...env,
  };
}

/** Runs scripts/stack/stack.sh with `env` on top of ours; jars come from the project's .stack cache. */
export function runStackScript(args: string[], env: Record<string, string>): StackRun {
  const result = spawnSync('bash', [STACK_SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: stackEnv(env) });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The same without blocking the event loop: other work (a Postgres formation starting) goes on meanwhile. */
export function runStackScriptAsync(args: string[], env: Record<string, string>): Promise<StackRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [STACK_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      env: stackEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, output }));
  });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose stack ports for `nodes` nodes (base.., base+100..) are all free now. */
export async function freeStackBasePort(nodes = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    const offsets = Array.from({ length: 2 * nodes }, (_, i) => i);
    const ports = offsets.flatMap((offset) => [base + offset, base + 100 + offset]);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no free port range for a private Kafka stack');
}

/** A private `stack.sh up` stack: its own STACK_DIR, ports and (with --secure) generated secrets. */
export interface PrivateKafkaStack {
  readonly stackDir: string;
  readonly env: Record<string, string>;
  /** The PLAINTEXT bootstrap list of every node. */
  readonly plaintextBrokers: string;
  /** What `secure.env` holds with --secure: users, passwords, listener addresses and PEM files. */
  readonly secure: Record<string, string>;
  stop(): void;
}

export type SecureKafkaStack = PrivateKafkaStack;

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_0-9]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

export async function startPrivateKafka(
  options: { secure?: boolean; brokers?: number } = {},
): Promise<PrivateKafkaStack> {
  const nodes = options.brokers ?? 1;
  const stackDir = mkdtempSync(join(tmpdir(), 'ledger-private-kafka-'));
  const port = await freeStackBasePort(nodes);
  const env = {
    STACK_DIR: stackDir,
    KAFKA_PORT: String(port),
    KAFKA_HEAP_OPTS: nodes > 1 ? '-Xms128m -Xmx384m' : '-Xms128m -Xmx512m',
    KAFKA_UP_TIMEOUT: '180',
  };
  const args = ['up', ...(options.secure ? ['--secure'] : []), ...(nodes > 1 ? ['--brokers', String(nodes)] : [])];
  const up = await runStackScriptAsync(args, env);
  if (up.status !== 0) {
    await runStackScriptAsync(['down'], env);
    throw new Error(`stack.sh ${args.join(' ')} failed (exit ${up.status}):\n${up.output}`);
  }
  return {
    stackDir,
    env,
    plaintextBrokers: Array.from({ length: nodes }, (_, i) => `127.0.0.1:${port + 2 * i}`).join(','),
    secure: readEnvFile(join(stackDir, 'secure.env')),
    stop() {
      const down = runStackScript(['down'], env);
      if (down.status !== 0) throw new Error(`stack.sh down failed:\n${down.output}`);
      rmSync(stackDir, { recursive: true, force: true });
    },
  };
}

export async function startSecureKafka(): Promise<SecureKafkaStack> {
  return startPrivateKafka({ secure: true });
}
