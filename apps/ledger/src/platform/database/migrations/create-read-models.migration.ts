import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Read models projected from the event store, and the ingest bookkeeping kept beside them. */
export class CreateReadModels1700000000100 implements MigrationInterface {
  name = 'CreateReadModels1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE charges (
        message_id text PRIMARY KEY,
        sender_msisdn text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('SMS', 'MMS')),
        sent_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('CHARGED', 'RECORDED', 'REJECTED')),
        units integer NOT NULL CHECK (units >= 0),
        pence integer NOT NULL CHECK (pence >= 0),
        partner_network text,
        global_position bigint NOT NULL
      )`);
    // The charge's body is its event: the row holds what queries filter and sum on, and where the event is.
    await queryRunner.query('CREATE INDEX charges_by_sender ON charges (sender_msisdn, sent_at, message_id)');
    // sent_at grows with the traffic, so a BRIN index serves day ranges at a fraction of a btree's write cost.
    await queryRunner.query('CREATE INDEX charges_by_sent_at ON charges USING brin (sent_at)');
    await queryRunner.query(`
      CREATE TABLE bolt_ons (
        purchase_id text PRIMARY KEY,
        msisdn text NOT NULL,
        bolt_on text NOT NULL,
        units integer NOT NULL CHECK (units > 0),
        units_remaining integer NOT NULL CHECK (units_remaining >= 0 AND units_remaining <= units),
        price_pence integer NOT NULL CHECK (price_pence >= 0),
        recognised_pence integer NOT NULL DEFAULT 0 CHECK (recognised_pence >= 0 AND recognised_pence <= price_pence),
        purchased_at timestamptz NOT NULL,
        global_position bigint NOT NULL
      )`);
    await queryRunner.query('CREATE INDEX bolt_ons_by_msisdn ON bolt_ons (msisdn, purchased_at, purchase_id)');
    await queryRunner.query('CREATE INDEX bolt_ons_by_purchased_at ON bolt_ons (purchased_at)');
    await queryRunner.query(`
      CREATE TABLE allocations (
        message_id text NOT NULL,
        purchase_id text NOT NULL,
        msisdn text NOT NULL,
        sent_at timestamptz NOT NULL,
        units integer NOT NULL CHECK (units > 0),
        recognised_pence integer NOT NULL CHECK (recognised_pence >= 0),
        PRIMARY KEY (message_id, purchase_id)
      )`);
    await queryRunner.query('CREATE INDEX allocations_by_purchase ON allocations (purchase_id, sent_at)');
    await queryRunner.query('CREATE INDEX allocations_by_sent_at ON allocations USING brin (sent_at)');
    await queryRunner.query(`
      CREATE TABLE ingest_offsets (
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE rejections (
        id bigserial PRIMARY KEY,
        source text NOT NULL CHECK (source IN ('kafka', 'api')),
        topic text,
        partition integer,
        "offset" bigint,
        key text,
        reason text NOT NULL,
        detail text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        payload bytea NOT NULL
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX rejections_once_per_record ON rejections (topic, partition, "offset") WHERE source = \'kafka\'',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['rejections', 'ingest_offsets', 'allocations', 'bolt_ons', 'charges']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
