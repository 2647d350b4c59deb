import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { publishedContracts } from './published-contracts.js';

/** The text of every published contract file, formatted as `prettier --check` expects it. */
export async function renderPublishedContracts(repositoryRoot: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [path, document] of publishedContracts()) {
    const file = join(repositoryRoot, path);
    const options = (await resolveConfig(file)) ?? {};
    files.set(path, await format(JSON.stringify(document), { ...options, filepath: file }));
  }
  return files;
}
