import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPICS } from '@ledger/contracts';
import { parse } from 'yaml';
import { apiClient, eventually, isolatedEnvironment, messageSent, upstream } from '../support/ledger-harness.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const repo = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const RULES = repo('ops/prometheus/ledger-alerts.yml');
const RULE_TESTS = repo('ops/prometheus/ledger-alerts.test.yml');
const DASHBOARD = repo('ops/grafana/message-ledger.json');
const RUNBOOK = repo('ops/README.md');

/** Metrics the rules and the dashboard already use and the service does not export yet. */
const PLANNED = [
  'ledger_db_pool_waiting',
  'ledger_db_pool_total',
  'ledger_db_reconnects_total',
  'ledger_db_connection_errors_total',
];

const ALERTS = [
  'LedgerConsumerLagGrowing',
  'LedgerPartitionStalled',
  'LedgerIngestOffsetGap',
  'LedgerRejectionsRising',
  'LedgerFeedOutboxDeep',
  'LedgerFeedOutboxStale',
  'LedgerHttp5xx',
  'LedgerDbPoolSaturated',
  'LedgerDbFailoverSeen',
];

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Runs a command, feeding it `input`; its exit code and all it wrote. */
function run(command: string, args: string[], input?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT' && command === 'promtool'
          ? new Error('promtool is missing: install the Debian package `prometheus` (apt-get install -y prometheus)')
          : error,
      ),
    );
    child.once('exit', (code) => resolve({ code, output }));
    child.stdin.end(input ?? '');
  });
}

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers, ranges,
 * grouping clauses, function names, keywords and numbers are taken out.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\()?)/g)) {
    if (match[1] === '(' || PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names].sort();
}

/** Every sample name the exposition can carry: counters and gauges as typed, histograms with their suffixes. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const exprs: string[] = [];
  const visit = (panel: any): void => {
    for (const target of panel.targets ?? []) exprs.push(target.expr);
    for (const inner of panel.panels ?? []) visit(inner);
  };
  for (const panel of dashboard.panels) visit(panel);
  return exprs;
}

function alertRules(): AlertRule[] {
  const document = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return document.groups.flatMap((group) => group.rules);
}

describe('the operations pack: alert rules, their promtool tests and the Grafana dashboard', () => {
  it('finds the metric names in PromQL, so the checks below can fail', () => {
    expect(
      metricNamesIn(
        'sum by (topic) (rate(ledger_records_consumed_total{job=~"$job", topic!="a b"}[$__rate_interval])) > 0 ' +
          'unless on (topic) histogram_quantile(0.95, sum by (le) (rate(ledger_batch_duration_seconds_bucket[5m]))) ' +
          '/ ignoring (reason) group_left clamp_min(sum(increase(no_such_metric[15m] offset 1h)), 1e-9)',
      ),
    ).toEqual(['ledger_batch_duration_seconds_bucket', 'ledger_records_consumed_total', 'no_such_metric']);
  });

  it('passes promtool check rules', async () => {
    const { code, output } = await run('promtool', ['check', 'rules', RULES]);
    expect(output).toContain(`SUCCESS: ${ALERTS.length} rules found`);
    expect(code).toBe(0);
  });

  it('passes its promtool unit tests (each alert fires where it must and stays quiet where it must not)', async () => {
    const { code, output } = await run('promtool', ['test', 'rules', RULE_TESTS]);
    expect(output).not.toContain('FAILED');
    expect(output).toContain('SUCCESS');
    expect(code).toBe(0);
    const tests = readFileSync(RULE_TESTS, 'utf8');
    for (const alert of ALERTS) expect(tests).toContain(`alertname: ${alert}`);
  });

  it('gives each alert a severity, a summary and a runbook, with a row in ops/README.md', () => {
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual(ALERTS);
    const runbook = readFileSync(RUNBOOK, 'utf8');
    for (const rule of rules) {
      expect([rule.alert, rule.labels.severity]).toEqual([rule.alert, expect.stringMatching(/^(critical|warning)$/)]);
      expect(rule.annotations.summary?.length).toBeGreaterThan(10);
      expect(rule.annotations.runbook).toContain(`ops/README.md#${rule.alert.toLowerCase()}`);
      expect(runbook).toMatch(new RegExp(`^\\| <a id="${rule.alert.toLowerCase()}"></a>\`${rule.alert}\` +\\|`, 'm'));
    }
  });

  it('is a Grafana dashboard with a Prometheus data source variable, every query parsed by promtool', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    const variables = dashboard.templating.list;
    expect(variables).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
      ]),
    );
    const panels = dashboard.panels.filter((panel: any) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });

    // promtool parses PromQL only inside rules: each query becomes a recording rule, Grafana's variables resolved.
    const exprs = dashboardExprs();
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: exprs.map((expr, index) => ({
            record: `dashboard:query_${index}`,
            expr: expr.replaceAll('$__rate_interval', '5m').replace(/\$(job|instance)\b/g, '.*'),
          })),
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'message-ledger-dashboard-'));
    try {
      writeFileSync(join(dir, 'dashboard-queries.yml'), JSON.stringify(rules));
      const { code, output } = await run('promtool', ['check', 'rules', join(dir, 'dashboard-queries.yml')]);
      expect(output).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('against the real /metrics of the built service', () => {
    const environment = isolatedEnvironment('opsmetrics');
    let service: ServiceProcess;
    let exposition: string;

    beforeAll(async () => {
      service = await startService(environment, { name: 'metrics' });
      const network = await upstream();
      try {
        const topic = environment.topic(TOPICS.messageSent);
        const ours = messageSent({ sender: { msisdn: '447700900777', network: 'O2-UK' } });
        await network.send(topic, [
          { key: '447700900777', value: JSON.stringify(ours) },
          { key: '447700900777', value: 'not json' },
        ]);
        const api = apiClient(service.url);
        // Traffic so counters with labels (topic, reason, route, status) carry series, not only their TYPE lines.
        await eventually(async () => {
          const ingest = await api.get('/v1/ingest');
          const lag = ingest.body.partitions.reduce((sum: number, p: { lag: string }) => sum + Number(p.lag), 0);
          expect(lag).toBe(0);
          expect(ingest.body.partitions.length).toBeGreaterThan(0);
        }, 60_000);
        expect((await api.get('/v1/subscribers/447700900777/balance')).status).toBe(200);
        expect((await apiClient(service.url, null).get('/v1/ingest')).status).toBe(401);
      } finally {
        await network.close();
      }
      const response = await fetch(`${service.url}/metrics`);
      expect(response.status).toBe(200);
      exposition = await response.text();
    }, 180_000);

    afterAll(async () => {
      await service?.stop();
    });

    it('passes promtool check metrics', async () => {
      expect(exposition).toMatch(/^ledger_records_consumed_total\{/m);
      expect(exposition).toMatch(/^ledger_consumer_lag\{/m);
      const { code, output } = await run('promtool', ['check', 'metrics'], exposition);
      // promtool exits 3 on lint findings alone, 1 when it cannot parse the exposition.
      expect({ code, problems: output.split('\n').filter((line) => line.trim() !== '') }).toEqual({
        code: 0,
        problems: [],
      });
    });

    it('names in the rules and the dashboard only metrics the service exports or the planned ones', () => {
      const known = new Set([...exportedNames(exposition), ...PLANNED]);
      const used = new Map<string, string[]>();
      const note = (where: string, expr: string): void => {
        for (const name of metricNamesIn(expr)) used.set(name, [...(used.get(name) ?? []), where]);
      };
      for (const rule of alertRules()) note(`alert ${rule.alert}`, rule.expr);
      for (const expr of dashboardExprs()) note('dashboard', expr);
      const unknown = [...used.entries()].filter(([name]) => !known.has(name));
      expect(unknown).toEqual([]);

      // The dashboard shows what the brief for it lists.
      const onDashboard = new Set(dashboardExprs().flatMap(metricNamesIn));
      for (const name of [
        'ledger_consumer_lag',
        'ledger_records_consumed_total',
        'ledger_records_rated_total',
        'ledger_records_rejected_total',
        'ledger_batch_duration_seconds_bucket',
        'http_requests_total',
        'http_request_duration_seconds_bucket',
        'ledger_feed_outbox_depth',
        'ledger_feed_outbox_oldest_age_seconds',
        'ledger_db_pool_waiting',
        'ledger_db_pool_total',
      ]) {
        expect([name, onDashboard.has(name)]).toEqual([name, true]);
      }
      // A planned metric the service now exports should leave the planned list (and this note).
      const nowExported = PLANNED.filter((name) => exportedNames(exposition).has(name));
      if (nowExported.length > 0) process.stdout.write(`planned metrics now exported: ${nowExported.join(', ')}\n`);
    });
  });
});
