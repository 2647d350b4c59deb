// Writes docs/schemas/*.json and docs/asyncapi.json from the zod schemas of libs/contracts (built by `npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { renderPublishedContracts } from '../dist/libs/contracts/src/render-published-contracts.js';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const [path, text] of await renderPublishedContracts(root)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
}
