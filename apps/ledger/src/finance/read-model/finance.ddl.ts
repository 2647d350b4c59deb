import type { SchemaRunner } from '@ledger/app/read-models/schema-runner.js';

/**
 * The finance read model (AddValidityAndPeriods1700000001900): every figure an event moved, on the day it
 * was posted (docs/CONTRACT.md sections 9 and 10), the bolt-ons that expire, and the closes of periods.
 * Postings are appended, never updated, so concurrent rating transactions never wait on a day's row.
 */
export async function createFinanceTables(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      CREATE TABLE finance_postings (
        global_position bigint NOT NULL,
        ordinal smallint NOT NULL,
        posting_day date NOT NULL,
        period text NOT NULL,
        breakage_at timestamptz,
        network text,
        bolt_on_sales_pence bigint NOT NULL,
        payg_pence bigint NOT NULL,
        recognised_pence bigint NOT NULL,
        breakage_pence bigint NOT NULL,
        outbound_sms integer NOT NULL,
        outbound_mms integer NOT NULL,
        inbound_sms integer NOT NULL,
        inbound_mms integer NOT NULL
      )`);
  await runner.query('CREATE INDEX finance_postings_by_day ON finance_postings (posting_day)');
  await runner.query(`
      CREATE TABLE finance_expiries (
        purchase_id text PRIMARY KEY,
        expires_at timestamptz NOT NULL
      )`);
  await runner.query(`
      CREATE TABLE finance_periods (
        period text PRIMARY KEY,
        closed_at timestamptz NOT NULL,
        global_position bigint NOT NULL
      )`);
}

/** Postings of what was projected before this table existed: no close and no expiry could be recorded then. */
export async function backfillFinancePostings(runner: SchemaRunner): Promise<void> {
  await runner.query(`
      INSERT INTO finance_postings
      SELECT global_position, 0, (purchased_at AT TIME ZONE 'UTC')::date, to_char(purchased_at AT TIME ZONE 'UTC', 'YYYY-MM'),
             NULL, NULL, price_pence, 0, 0, 0, 0, 0, 0, 0
      FROM bolt_ons`);
  await runner.query(`
      INSERT INTO finance_postings
      SELECT c.global_position, 0, (c.sent_at AT TIME ZONE 'UTC')::date, to_char(c.sent_at AT TIME ZONE 'UTC', 'YYYY-MM'),
             NULL, c.partner_network, 0, CASE WHEN c.status = 'CHARGED' THEN c.pence ELSE 0 END,
             COALESCE((SELECT sum(a.recognised_pence) FROM allocations a WHERE a.message_id = c.message_id), 0),
             0,
             (c.status = 'CHARGED' AND c.partner_network IS NOT NULL AND c.kind = 'SMS')::int,
             (c.status = 'CHARGED' AND c.partner_network IS NOT NULL AND c.kind = 'MMS')::int,
             (c.status = 'RECORDED' AND c.partner_network IS NOT NULL AND c.kind = 'SMS')::int,
             (c.status = 'RECORDED' AND c.partner_network IS NOT NULL AND c.kind = 'MMS')::int
      FROM charges c
      WHERE c.status <> 'REJECTED'
        AND (c.pence > 0 OR c.partner_network IS NOT NULL
             OR EXISTS (SELECT 1 FROM allocations a WHERE a.message_id = c.message_id AND a.recognised_pence > 0))`);
}

export async function dropFinanceTables(runner: SchemaRunner): Promise<void> {
  await runner.query('DROP TABLE finance_periods');
  await runner.query('DROP TABLE finance_expiries');
  await runner.query('DROP TABLE finance_postings');
}
