import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardAssets } from './dashboard-assets.js';

describe('the dashboard files', () => {
  let outside: string;
  let assets: DashboardAssets;

  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'dashboard-assets-'));
    const root = join(outside, 'public');
    await mkdir(join(root, 'nested.js'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html>');
    await writeFile(join(root, 'app.js'), 'export {};');
    await writeFile(join(root, 'notes.txt'), 'not served');
    await writeFile(join(outside, 'secret.js'), 'the key');
    assets = new DashboardAssets(root);
  });

  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it('serves a file of the folder with the content type of its kind', async () => {
    expect(await assets.read('index.html')).toEqual({
      body: Buffer.from('<!doctype html>'),
      contentType: 'text/html; charset=utf-8',
    });
    expect((await assets.read('app.js'))?.contentType).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    '../secret.js',
    '..%2Fsecret.js',
    '..\\secret.js',
    '/etc/passwd',
    'sub/app.js',
    '.app.js',
    'app.js.',
    'APP.JS',
  ])('refuses the name %s, which is not a plain file of the folder', async (name) => {
    expect(await assets.read(name)).toBeNull();
  });

  it('refuses kinds it does not serve, files that do not exist and folders', async () => {
    expect(await assets.read('notes.txt')).toBeNull();
    expect(await assets.read('missing.css')).toBeNull();
    expect(await assets.read('nested.js')).toBeNull();
  });

  it('ships the page and the modules it loads', async () => {
    const shipped = new DashboardAssets();
    for (const name of [
      'index.html',
      'dashboard.css',
      'app.js',
      'api.js',
      'charts.js',
      'format.js',
      'tables.js',
      'periods.js',
      'reratings.js',
      'favicon.svg',
    ]) {
      expect(await shipped.read(name)).not.toBeNull();
    }
  });
});
