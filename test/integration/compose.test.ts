import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/secure-kafka-stack.js';

// docker-compose.yml checked by a real Compose parser (Debian's docker-compose; no engine needed).
const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const SECRETS = { LEDGER_API_KEYS: 'admin:sentinel-key-0123456789abcdef', POSTGRES_PASSWORD: 'sentinel-pw-9876543210' };

interface Service {
  image?: string;
  environment?: Record<string, string | number | null>;
  ports?: (string | { host_ip?: string; published?: number | string; target?: number })[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
  command?: string[] | string;
}

function composeConfig(env: Record<string, string | undefined>): { status: number | null; output: string } {
  const inherited = { ...process.env };
  for (const name of Object.keys(SECRETS)) delete inherited[name];
  const result = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...inherited, ...env },
  });
  if (result.error) {
    throw new Error(`docker-compose could not run (apt-get install docker-compose): ${result.error.message}`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let services: Record<string, Service>;

beforeAll(() => {
  const run = composeConfig(SECRETS);
  if (run.status !== 0) throw new Error(`docker-compose config failed:\n${run.output}`);
  services = (parse(run.output) as { services: Record<string, Service> }).services;
});

const env = (service: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[service].environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
const kafkaNodes = () => Object.keys(services).filter((name) => services[name].image?.startsWith('apache/kafka:'));
const ledgers = () => Object.keys(services).filter((name) => /^ledger-\d+$/.test(name));

describe('docker-compose.yml refuses to start without its secrets', () => {
  it.each(Object.keys(SECRETS))('fails without %s and names it', (name) => {
    const run = composeConfig({ ...SECRETS, [name]: undefined });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(`set ${name}`);
  });

  it.each(Object.keys(SECRETS))('fails with %s set but empty', (name) => {
    const run = composeConfig({ ...SECRETS, [name]: '' });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(`set ${name}`);
  });

  it('gives no default to any variable named like a secret', () => {
    const source = readFileSync(COMPOSE_FILE, 'utf8');
    const defaults = [...source.matchAll(/\$\{([A-Z0-9_]+):?-[^}]*\}/g)].map((m) => m[1]);
    expect(defaults.filter((name) => /KEY|PASSWORD|SECRET|TOKEN/.test(name))).toEqual([]);
    expect(source).not.toMatch(/change-me/i);
  });
});

describe('docker-compose.yml as parsed with the secrets set', () => {
  it('carries the secrets only from the variables given', () => {
    for (const name of ledgers()) {
      expect(env(name).LEDGER_API_KEYS).toBe(SECRETS.LEDGER_API_KEYS);
      expect(new URL(env(name).DATABASE_URL).password).toBe(SECRETS.POSTGRES_PASSWORD);
    }
    expect(env('postgres').POSTGRES_PASSWORD).toBe(SECRETS.POSTGRES_PASSWORD);
  });

  it('has no trust authentication anywhere, and passwords on the socket too', () => {
    for (const name of Object.keys(services)) {
      for (const [variable, value] of Object.entries(env(name))) {
        expect(`${name} ${variable}=${value}`).not.toMatch(/(^|[^a-z])trust([^a-z]|$)/i);
      }
    }
    expect(env('postgres').POSTGRES_HOST_AUTH_METHOD).toBe('scram-sha-256');
    expect(env('postgres').POSTGRES_INITDB_ARGS).toContain('--auth-local=scram-sha-256');
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => ({ name, port })),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const { name, port } of published) {
      const hostIp = typeof port === 'string' ? /^(\d+\.\d+\.\d+\.\d+):\d+:\d+/.exec(port)?.[1] : port.host_ip;
      expect(`${name} ${JSON.stringify(port)} on ${hostIp}`).toBe(`${name} ${JSON.stringify(port)} on 127.0.0.1`);
    }
  });

  it('runs three KRaft brokers with replication 3 and min.insync.replicas 2', () => {
    const nodes = kafkaNodes();
    expect(nodes).toHaveLength(3);
    expect(new Set(nodes.map((name) => env(name).KAFKA_NODE_ID))).toEqual(new Set(['1', '2', '3']));
    for (const name of nodes) {
      const vars = env(name);
      expect(vars.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(vars.KAFKA_CONTROLLER_QUORUM_VOTERS.split(',')).toHaveLength(3);
      expect(vars.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
      expect(vars.KAFKA_MIN_INSYNC_REPLICAS).toBe('2');
      expect(vars.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('3');
      expect(vars.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('3');
      expect(vars.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('2');
    }
    for (const name of ledgers()) {
      expect(env(name).KAFKA_BROKERS.split(',')).toHaveLength(3);
    }
  });

  it('runs two ledger instances in one consumer group, each waiting for healthy dependencies', () => {
    const instances = ledgers();
    expect(instances).toHaveLength(2);
    expect(new Set(instances.map((name) => env(name).KAFKA_GROUP_ID)).size).toBe(1);
    for (const name of instances) {
      const dependsOn = services[name].depends_on as Record<string, { condition?: string }>;
      for (const dependency of ['postgres', ...kafkaNodes()]) {
        expect(`${name} -> ${dependency}: ${dependsOn[dependency]?.condition}`).toBe(
          `${name} -> ${dependency}: service_healthy`,
        );
      }
    }
  });

  it('gives every long-running service a health check', () => {
    const longRunning = Object.keys(services).filter((name) => name !== 'ledger-build');
    for (const name of longRunning) {
      expect(`${name}: ${JSON.stringify(services[name].healthcheck?.test ?? null)}`).not.toMatch(/: null$/);
    }
  });
});
