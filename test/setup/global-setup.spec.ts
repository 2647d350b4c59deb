import { ensureRequirements, plan, REQUIREMENTS, type Host } from './global-setup.js';

/** A machine with the given commands on PATH; apt "installs" what it is told to when `aptWorks`. */
function fakeHost(present: string[], { root = true, aptWorks = true } = {}) {
  const commands = new Set(present);
  const runs: string[] = [];
  const lines: string[] = [];
  const host: Host = {
    has: (command) => commands.has(command),
    isRoot: () => root,
    run: (command, args, env) => {
      runs.push(
        `${env.DEBIAN_FRONTEND === 'noninteractive' ? 'DEBIAN_FRONTEND=noninteractive ' : ''}${command} ${args.join(' ')}`,
      );
      if (!aptWorks) return 100;
      if (args[0] === 'install') for (const name of args.slice(1).filter((a) => !a.startsWith('-'))) commands.add(name);
      return 0;
    },
    log: (line) => lines.push(line),
  };
  return { host, runs, lines };
}

/** Two of the real requirements, so the decisions below read short. */
const TWO = REQUIREMENTS.filter((r) => r.command === 'chromium' || r.command === 'kcat');

describe('the test setup installs what the tests need', () => {
  it('lists every tool the tests and the stack scripts run, with its Debian packages', () => {
    expect(REQUIREMENTS.map((r) => [r.command, r.packages])).toEqual([
      ['chromium', ['chromium']],
      ['kcat', ['kcat']],
      ['java', ['openjdk-17-jre-headless']],
      ['mvn', ['maven']],
      ['keytool', ['openjdk-17-jre-headless']],
      ['openssl', ['openssl']],
      ['promtool', ['prometheus']],
      ['haproxy', ['haproxy']],
      ['pg_autoctl', ['postgresql-15-auto-failover', 'pg-auto-failover-cli']],
      ['docker-compose', ['docker-compose']],
    ]);
  });

  it('on a bare machine, as root, installs every package once in one apt-get install', () => {
    const { host, runs } = fakeHost(['apt-get']);
    expect(ensureRequirements(REQUIREMENTS, { ...host, has: (c) => c === 'apt-get' || runs.length > 1 }).kind).toBe(
      'install',
    );
    expect(runs).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium kcat openjdk-17-jre-headless maven openssl ' +
        'prometheus haproxy postgresql-15-auto-failover pg-auto-failover-cli docker-compose',
    ]);
  });

  it('does nothing when every command is present', () => {
    const { host, runs } = fakeHost(['apt-get', 'chromium', 'kcat']);
    expect(ensureRequirements(TWO, host)).toEqual({ kind: 'ready' });
    expect(runs).toEqual([]);
  });

  it('as root, runs apt-get update then installs only the missing packages, non-interactively', () => {
    const { host, runs, lines } = fakeHost(['apt-get', 'chromium']);
    expect(ensureRequirements(TWO, host).kind).toBe('install');
    expect(runs).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get update -qq',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat',
    ]);
    expect(lines).toContain('[requirements] installing from Debian: kcat');
    expect(lines).toContain('[requirements] installed kcat');
  });

  it('not as root, fails naming the exact command to run and runs nothing', () => {
    const { host, runs } = fakeHost(['apt-get'], { root: false });
    expect(() => ensureRequirements(TWO, host)).toThrow(
      'Run: sudo apt-get update && sudo apt-get install -y chromium kcat',
    );
    expect(runs).toEqual([]);
  });

  it('without apt-get, fails naming the command', () => {
    const { host } = fakeHost(['kcat']);
    expect(plan(TWO, host)).toEqual({
      kind: 'cannot',
      packages: ['chromium'],
      reason: 'apt-get is not on this machine',
    });
    expect(() => ensureRequirements(TWO, host)).toThrow('sudo apt-get install -y chromium');
  });

  it('when apt fails, fails naming the step that failed and the command to run', () => {
    const { host, runs } = fakeHost(['apt-get', 'kcat'], { aptWorks: false });
    expect(() => ensureRequirements(TWO, host)).toThrow(
      /`apt-get update -qq` failed \(exit 100\)\. Run: sudo apt-get update && sudo apt-get install -y chromium$/,
    );
    expect(runs).toHaveLength(1);
  });

  it('fails when apt reports success but the command is still missing', () => {
    const { host } = fakeHost(['apt-get']);
    const oddPackage = [{ command: 'promtool', packages: ['prometheus'], neededBy: 'the alert rule tests' }];
    expect(() => ensureRequirements(oddPackage, host)).toThrow(/still missing.*sudo apt-get install -y prometheus/);
  });

  it('installs a package once when two requirements share it', () => {
    const { host, runs } = fakeHost(['apt-get']);
    const shared = [
      { command: 'pg_autoctl', packages: ['postgresql-15-auto-failover', 'pg-auto-failover-cli'], neededBy: 'a' },
      { command: 'pg-auto-failover-cli', packages: ['pg-auto-failover-cli'], neededBy: 'b' },
    ];
    ensureRequirements(shared, { ...host, has: (c) => c === 'apt-get' || runs.length > 1 });
    expect(runs[1]).toBe(
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-auto-failover pg-auto-failover-cli',
    );
  });

  it('in a dry run, prints the plan and runs nothing', () => {
    const { host, runs, lines } = fakeHost(['apt-get']);
    expect(ensureRequirements(TWO, host, true).kind).toBe('install');
    expect(runs).toEqual([]);
    expect(lines).toContain('[requirements] would run: apt-get install -y -qq chromium kcat');
  });
});
