import type { PoolClient } from '@ledger/app/platform/database/database.js';

/**
 * One data-modifying statement a transaction will run: its parameters are numbered from $1, and every
 * parameter carries its type (a cast or a column it is compared with), so that it can stand in a
 * `WITH` clause beside others.
 */
export interface Write {
  /** Names the statement; the combined statement's prepared name is made of its writes' names. */
  readonly name: string;
  readonly text: string;
  readonly values: readonly unknown[];
  /**
   * It must see the rows written by the writes before it (an update of a row inserted earlier in the
   * same transaction): it then starts a statement of its own, since sibling sub-statements of one
   * `WITH` share a snapshot and do not see each other's rows.
   */
  readonly seesEarlier?: boolean;
}

const preparedNames = new Map<string, string>();

/**
 * Runs the writes in the order given, in as few round trips as they allow: consecutive writes that
 * do not read each other's rows go in one statement, each as a data-modifying `WITH` sub-statement.
 * Postgres runs all of them to completion and checks every constraint as it would one by one, so an
 * error names the same constraint and SQLSTATE either way.
 */
export async function runWrites(client: PoolClient, writes: readonly Write[]): Promise<void> {
  let group: Write[] = [];
  for (const write of writes) {
    if (write.seesEarlier && group.length > 0) {
      await runGroup(client, group);
      group = [];
    }
    group.push(write);
  }
  if (group.length > 0) await runGroup(client, group);
}

async function runGroup(client: PoolClient, group: readonly Write[]): Promise<void> {
  if (group.length === 1) {
    const [write] = group;
    await client.query({ name: write.name, text: write.text, values: [...write.values] });
    return;
  }
  const key = group.map((write) => write.name).join('+');
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const write of group) {
    const offset = values.length;
    parts.push(`w${parts.length} AS (${renumbered(write.text, offset)})`);
    values.push(...write.values);
  }
  await client.query({ name: preparedName(key), text: `WITH ${parts.join(',\n')}\nSELECT 1`, values });
}

/** `$n` becomes `$(n + offset)`: the statements' texts hold no dollar quotes or literal dollars. */
function renumbered(text: string, offset: number): string {
  return offset === 0 ? text : text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/** Prepared statement names are kept short (Postgres truncates identifiers at 63 bytes). */
function preparedName(key: string): string {
  let name = preparedNames.get(key);
  if (name === undefined) {
    name = `writes-${preparedNames.size + 1}`;
    preparedNames.set(key, name);
  }
  return name;
}
