// Fails when apps/ledger/src has an import cycle between its folders, the platform imports a context,
// or a context imports the composition root (AppModule's folder; only the CLI entry may); run by `npm run lint`.
// An argument names another source folder to check (scripts/check-layers.spec.ts uses small made-up trees).
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2] ? resolve(process.argv[2]) : join(root, 'apps/ledger/src');

/** The folder an app file belongs to: a context, a platform part, or the composition root. */
function folderOf(file) {
  const parts = relative(src, file).split('/');
  if (parts.length === 1) return '(root)';
  if (parts[0] === 'platform') return `platform/${parts[1]}`;
  // A context's read model is a layer of its own: other contexts may query it below its application.
  return parts[1] === 'read-model' ? `${parts[0]}/read-model` : parts[0];
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'public' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const specifier = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;
const edges = new Map();
for (const file of sourceFiles(src)) {
  const from = folderOf(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(specifier)) {
    let target;
    if (spec.startsWith('@ledger/app/')) target = join(src, spec.slice('@ledger/app/'.length));
    else if (spec.startsWith('.')) target = normalize(join(dirname(file), spec));
    else continue;
    const to = folderOf(target);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, relative(root, file));
  }
}

const problems = [];
for (const [from, targets] of edges) {
  if (from.startsWith('platform/') && [...targets.keys()].some((to) => !to.startsWith('platform/'))) {
    for (const [to, file] of targets)
      if (!to.startsWith('platform/')) problems.push(`${file}: the platform imports the context ${to}`);
  }
  if (!['(root)', 'cli'].includes(from) && targets.has('(root)'))
    problems.push(`${targets.get('(root)')}: imports the composition root`);
}

// Depth-first search for a cycle in the folder graph.
const state = new Map();
function visit(folder, path) {
  state.set(folder, 'open');
  for (const [next, file] of edges.get(folder) ?? []) {
    if (state.get(next) === 'open') {
      const cycle = [...path.slice(path.indexOf(next)), folder, next];
      problems.push(`import cycle between folders: ${cycle.join(' -> ')} (e.g. ${file})`);
    } else if (!state.has(next)) visit(next, [...path, folder]);
  }
  state.set(folder, 'done');
}
for (const folder of edges.keys()) if (!state.has(folder)) visit(folder, []);

if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  process.exit(1);
}
process.stdout.write(`${relative(root, src)}: ${edges.size} folders, imports run one way\n`);
