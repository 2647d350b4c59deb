import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Beside this module both in the sources (ts-jest) and in dist/ (the build script copies the folder). */
export const DASHBOARD_PUBLIC_DIR: string = fileURLToPath(new URL('./public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One plain file name of a known kind: no folders, no dots but the extension's, so no way out of the folder. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(html|css|js|svg)$/;

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

/** The static files of the dashboard, read from one folder and never from outside it. */
export class DashboardAssets {
  private readonly root: string;

  constructor(root: string = DASHBOARD_PUBLIC_DIR) {
    this.root = resolve(root);
  }

  /** The file named `name` in the folder, or null when the name is not one the dashboard could hold. */
  async read(name: string): Promise<DashboardAsset | null> {
    if (!ASSET_NAME.test(name)) return null;
    const file = resolve(this.root, name);
    // The pattern already forbids separators and dots; this says the same about the resolved path.
    if (dirname(file) !== this.root || basename(file) !== name) return null;
    try {
      return { body: await readFile(file), contentType: CONTENT_TYPES[extname(name)] };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
}
