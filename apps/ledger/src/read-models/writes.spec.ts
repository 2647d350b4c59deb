import type { PoolClient } from '@ledger/app/platform/database/database.js';
import { runWrites, type Write } from './writes.js';

interface Sent {
  name?: string;
  text: string;
  values: unknown[];
}

/** Records the statements sent, as Postgres would receive them. */
function recordingClient(): { client: PoolClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    query: (statement: Sent) => {
      sent.push(statement);
      return Promise.resolve({ rows: [], rowCount: 0 });
    },
  } as unknown as PoolClient;
  return { client, sent };
}

const insertA: Write = {
  name: 'a',
  text: 'INSERT INTO a SELECT * FROM unnest($1::text[], $2::int[])',
  values: [['x'], [1]],
};
const insertB: Write = { name: 'b', text: 'INSERT INTO b VALUES ($1::text)', values: ['y'] };
const updateA: Write = { name: 'c', text: 'UPDATE a SET n = $1::int', values: [2], seesEarlier: true };

describe('runWrites: the read models writes in as few statements as they allow', () => {
  it('sends a lone write as it stands', async () => {
    const { client, sent } = recordingClient();
    await runWrites(client, [insertB]);
    expect(sent).toEqual([{ name: 'b', text: insertB.text, values: ['y'] }]);
  });

  it('runs consecutive writes as one statement of WITH sub-statements, their parameters renumbered in order', async () => {
    const { client, sent } = recordingClient();
    await runWrites(client, [insertA, insertB]);
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toBe(
      'WITH w0 AS (INSERT INTO a SELECT * FROM unnest($1::text[], $2::int[])),\nw1 AS (INSERT INTO b VALUES ($3::text))\nSELECT 1',
    );
    expect(sent[0].values).toEqual([['x'], [1], 'y']);
  });

  it('starts a new statement for a write that must see the rows of those before it', async () => {
    const { client, sent } = recordingClient();
    await runWrites(client, [insertA, insertB, updateA]);
    expect(sent.map(({ text }) => text)).toEqual([
      'WITH w0 AS (INSERT INTO a SELECT * FROM unnest($1::text[], $2::int[])),\nw1 AS (INSERT INTO b VALUES ($3::text))\nSELECT 1',
      'UPDATE a SET n = $1::int',
    ]);
  });

  it('names the same combination the same way every time, and different ones differently', async () => {
    const { client, sent } = recordingClient();
    await runWrites(client, [insertA, insertB]);
    await runWrites(client, [insertB, insertA]);
    await runWrites(client, [insertA, insertB]);
    expect(sent[0].name).toBe(sent[2].name);
    expect(sent[1].name).not.toBe(sent[0].name);
    expect(sent[0].name!.length).toBeLessThan(64);
  });

  it('runs nothing for no writes', async () => {
    const { client, sent } = recordingClient();
    await runWrites(client, []);
    expect(sent).toEqual([]);
  });
});
