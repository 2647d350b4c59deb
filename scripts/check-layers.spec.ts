import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'check-layers.mjs');

/** Runs check-layers on a made-up apps/ledger/src: file path -> its imports. */
function check(tree: Record<string, string[]>): { status: number | null; stdout: string; stderr: string } {
  const src = mkdtempSync(join(tmpdir(), 'check-layers-'));
  try {
    for (const [file, imports] of Object.entries(tree)) {
      mkdirSync(dirname(join(src, file)), { recursive: true });
      writeFileSync(join(src, file), imports.map((spec) => `import { x } from '${spec}';\n`).join('') + 'export {};\n');
    }
    const run = spawnSync(process.execPath, [SCRIPT, src], { encoding: 'utf8' });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

/** Contexts over the platform, the way the app is laid out. */
const LAYERED = {
  'app.module.ts': ['./ingest/ingest.module.js', './rating/rating.module.js'],
  'ingest/ingest.module.ts': ['@ledger/app/rating/application/writer.js', '@ledger/app/platform/kafka/kafka.js'],
  'rating/rating.module.ts': ['./application/writer.js'],
  'rating/application/writer.ts': ['@ledger/app/platform/database/database.js', '@ledger/contracts'],
  'platform/kafka/kafka.ts': ['../config/config.js'],
  'platform/database/database.ts': ['../config/config.js'],
  'platform/config/config.ts': [],
};

describe('scripts/check-layers.mjs (run by npm run lint)', () => {
  it('passes imports that run one way, from the root through the contexts down to the platform', () => {
    const run = check(LAYERED);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/: 5 folders, imports run one way$/m);
  });

  it('fails on an import cycle between two contexts, naming the folders and a file', () => {
    const run = check({ ...LAYERED, 'rating/application/writer.ts': ['../../ingest/ingest.module.js'] });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^import cycle between folders: (ingest -> rating -> ingest|rating -> ingest -> rating) \(e\.g\. .*\.ts\)$/m,
    );
  });

  it('fails on a cycle between two parts of the platform, through the alias', () => {
    const run = check({ ...LAYERED, 'platform/config/config.ts': ['@ledger/app/platform/kafka/kafka.js'] });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^import cycle between folders: .*platform\/config -> platform\/kafka.*$/m);
  });

  it('fails when the platform imports a context', () => {
    const run = check({ ...LAYERED, 'platform/kafka/kafka.ts': ['@ledger/app/ingest/ingest.module.js'] });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('kafka.ts: the platform imports the context ingest');
  });

  it('fails when a context imports the composition root', () => {
    const run = check({ ...LAYERED, 'rating/rating.module.ts': ['../app.module.js'] });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('rating.module.ts: imports the composition root');
  });

  it("counts a context's read-model as a folder of its own, so querying it from below is no cycle", () => {
    const run = check({
      ...LAYERED,
      'bolt-ons/bolt-ons.module.ts': ['@ledger/app/rating/application/writer.js'],
      'bolt-ons/read-model/queries.ts': ['@ledger/app/platform/database/database.js'],
      'rating/application/writer.ts': ['@ledger/app/bolt-ons/read-model/queries.js'],
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
