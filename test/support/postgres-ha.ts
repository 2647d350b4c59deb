import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './service-process.js';

/** scripts/stack/postgres-ha.sh: the pg_auto_failover formation behind HAProxy. */
export const POSTGRES_HA_SCRIPT = fileURLToPath(new URL('../../scripts/stack/postgres-ha.sh', import.meta.url));

export type HaNodeName = 'node1' | 'node2';

export interface HaNode {
  name: HaNodeName;
  port: number;
  /** As the monitor last heard it from the node's keeper (primary, secondary, wait_primary, ...). */
  reportedState: string;
  goalState: string;
}

export interface PostgresHaPorts {
  monitor: number;
  node1: number;
  node2: number;
  proxy: number;
}

export interface PostgresHaOptions {
  /** State directory; a fresh one under the OS temp directory when not given. */
  dir?: string;
  /** Fixed ports; free ones picked at start when not given. */
  ports?: PostgresHaPorts;
}

/**
 * A formation of its own for one test file: a monitor, a primary, a synchronous secondary and
 * HAProxy on free local ports, in a state directory that stop() removes.
 */
export class PostgresHa {
  private constructor(
    readonly dir: string,
    readonly ports: PostgresHaPorts,
  ) {}

  /** Runs `postgres-ha.sh up` (about 30 s the first time) and returns once HAProxy reaches the primary. */
  static async start(options: PostgresHaOptions = {}): Promise<PostgresHa> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'message-ledger-pg-ha-'));
    const ports = options.ports ?? {
      monitor: await freePort(),
      node1: await freePort(),
      node2: await freePort(),
      proxy: await freePort(),
    };
    const formation = new PostgresHa(dir, ports);
    await formation.script('up');
    return formation;
  }

  /** The URL clients use: HAProxy, which routes to whichever node takes writes. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.ports.proxy}/${database}`;
  }

  /** A URL straight to one node, bypassing HAProxy. */
  nodeUrl(name: HaNodeName, database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.ports[name]}/${database}`;
  }

  /** Both data nodes as the monitor sees them. */
  async nodes(): Promise<HaNode[]> {
    const monitor = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.ports.monitor}/pg_auto_failover`,
      connectionTimeoutMillis: 2_000,
    });
    await monitor.connect();
    try {
      const result = await monitor.query<{ nodename: HaNodeName; nodeport: number; reported: string; goal: string }>(
        `SELECT nodename, nodeport, reportedstate::text AS reported, goalstate::text AS goal
           FROM pgautofailover.node ORDER BY nodename`,
      );
      return result.rows.map((row) => ({
        name: row.nodename,
        port: row.nodeport,
        reportedState: row.reported,
        goalState: row.goal,
      }));
    } finally {
      await monitor.end();
    }
  }

  /** The node the monitor holds as primary (primary or wait_primary, reported and goal alike). */
  async primaryNode(): Promise<HaNode> {
    const writable = new Set(['primary', 'wait_primary', 'single']);
    const primaries = (await this.nodes()).filter(
      (node) => writable.has(node.reportedState) && writable.has(node.goalState),
    );
    if (primaries.length !== 1) throw new Error(`expected one primary, the monitor holds ${JSON.stringify(primaries)}`);
    return primaries[0];
  }

  /**
   * The loss of the primary's machine: SIGKILL to its pg_autoctl keeper's whole session (so nothing
   * restarts Postgres in place) and to its postmaster. Returns the node killed.
   */
  async killPrimary(): Promise<HaNode> {
    const primary = await this.primaryNode();
    const keeper = this.pidFrom(join(this.dir, `${primary.name}.keeper.pid`));
    const postmaster = this.pidFrom(join(this.dir, primary.name, 'postmaster.pid'));
    signal(-keeper, 'SIGKILL');
    signal(postmaster, 'SIGKILL');
    for (let waited = 0; alive(postmaster) || alive(keeper); waited += 100) {
      if (waited > 10_000) throw new Error(`${primary.name} (postmaster ${postmaster}) still runs after SIGKILL`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return primary;
  }

  /**
   * Waits until a node other than the one lost is primary and HAProxy routes writes to it; the
   * node it found.
   */
  async waitForFailover(lost: HaNodeName, timeoutMs = 120_000): Promise<HaNode> {
    const deadline = Date.now() + timeoutMs;
    let last = 'nothing yet';
    while (Date.now() < deadline) {
      try {
        const primary = await this.primaryNode();
        if (primary.name !== lost && (await this.proxyRoutesTo(primary.port))) return primary;
        last = `primary ${primary.name} (${primary.reportedState}/${primary.goalState}), HAProxy not there yet`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no failover away from ${lost} within ${timeoutMs} ms (last: ${last})\n${this.statusText()}`);
  }

  /** Runs `up` again: restarts a killed node, which rejoins as the secondary. */
  async heal(): Promise<void> {
    await this.script('up');
  }

  /** The monitor log's tail, for failure messages. */
  statusText(): string {
    try {
      return readFileSync(join(this.dir, 'logs', 'monitor.log'), 'utf8')
        .split('\n')
        .slice(-20)
        .join('\n');
    } catch {
      return `(no monitor log under ${this.dir})`;
    }
  }

  /** Stops the monitor, the nodes and HAProxy, and removes the state directory. */
  async stop(): Promise<void> {
    await this.script('down', '--purge');
  }

  private async proxyRoutesTo(port: number): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const result = await client.query<{ port: number; writable: boolean }>(
        `SELECT inet_server_port() AS port,
                NOT pg_is_in_recovery() AND NOT current_setting('transaction_read_only')::bool AS writable`,
      );
      return result.rows[0].port === port && result.rows[0].writable;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private pidFrom(file: string): number {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no process id in ${file}`);
    return pid;
  }

  private script(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        [POSTGRES_HA_SCRIPT, ...args],
        {
          env: {
            ...process.env,
            PG_HA_DIR: this.dir,
            PG_HA_MONITOR_PORT: String(this.ports.monitor),
            PG_HA_NODE1_PORT: String(this.ports.node1),
            PG_HA_NODE2_PORT: String(this.ports.node2),
            PG_HA_PROXY_PORT: String(this.ports.proxy),
          },
          timeout: 300_000,
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`postgres-ha.sh ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
          else resolve(stdout);
        },
      );
    });
  }
}

/** Running, and not a zombie (the init here may reap orphans late). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // Already gone is what we want; anything else (EPERM) is a real failure.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
