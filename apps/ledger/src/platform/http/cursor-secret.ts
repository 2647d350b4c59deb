import { randomBytes } from 'node:crypto';
import type { Pool } from '@ledger/app/platform/database/database.js';

/**
 * The secrets that sign cursors: CURSOR_SECRET's when set, else the one random secret of the
 * database, made by whichever instance starts first and read by all the others.
 */
export async function cursorSecrets(configured: readonly string[], pool: Pool): Promise<string[]> {
  if (configured.length > 0) return [...configured];
  await pool.query('INSERT INTO cursor_secrets (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
    randomBytes(32).toString('base64url'),
  ]);
  const { rows } = await pool.query<{ secret: string }>('SELECT secret FROM cursor_secrets WHERE id = 1');
  return [rows[0].secret];
}
