import { Injectable } from '@nestjs/common';
import { isMessageEvent } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { RecordedEvent } from '@ledger/app/read-models/projection.js';

export interface OutboxRow {
  id: bigint;
  messageKey: string;
  /** The record's value, JSON text. */
  payload: string;
}

/**
 * The transactional outbox of the rated-message feed: written in the transaction that appends the
 * events, read and emptied by the relay once Kafka has the messages.
 */
@Injectable()
export class OutboxRepository {
  async enqueue(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    // A correction is published as the first rating was: keyed by its sender, in its stream's order.
    const rated = events.flatMap(({ event, globalPosition }) =>
      isMessageEvent(event) || event.type === 'MessageRerated'
        ? [
            {
              key: event.data.message.sender.msisdn,
              id: event.data.message.messageId,
              position: globalPosition.toString(),
            },
          ]
        : [],
    );
    if (rated.length === 0) return;
    await client.query({
      name: 'outbox-enqueue',
      text: `INSERT INTO outbox (message_key, message_id, global_position)
             SELECT key, id, position FROM json_to_recordset($1::json) AS r(key text, id text, position bigint)`,
      values: [JSON.stringify(rated)],
    });
  }

  /**
   * The oldest rows, each with the rated message as the feed publishes it: the charge of docs/CONTRACT.md
   * section 5 plus its globalPosition (a rerating: the corrected charge plus `correction`, section 8.2), built by Postgres from the event so that the busy service
   * thread neither parses nor serialises it (test/integration/rated-feed.test.ts holds it equal to
   * the API's charge).
   */
  async next(client: PoolClient, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<{ id: string; message_key: string; payload: string }>({
      name: 'outbox-next',
      text: `SELECT o.id, o.message_key, json_build_object(
                 'messageId', m->'messageId', 'kind', m->'kind', 'sentAt', m->'sentAt',
                 'sender', m->'sender', 'recipient', m->'recipient', 'roamingCountry', m->'roamingCountry',
                 'status', CASE e.event_type WHEN 'MessageCharged' THEN 'CHARGED' WHEN 'MessageRecorded' THEN 'RECORDED'
                                             WHEN 'MessageRerated' THEN e.data->'after'->>'status' ELSE 'REJECTED' END,
                 'reason', r->'reason',
                 'units', COALESCE(r->'units', '0'),
                 'pence', COALESCE(r->'pence', '0'),
                 'allocations', COALESCE((SELECT json_agg(json_build_object('purchaseId', a->'purchaseId', 'units', a->'units'))
                                          FROM json_array_elements(r->'allocations') a), '[]'),
                 'tariffVersion', e.data->'tariffVersion',
                 'correction', CASE WHEN e.event_type = 'MessageRerated'
                                    THEN json_build_object('runId', e.data->'runId', 'before', e.data->'before') END,
                 'globalPosition', o.global_position::text)::text AS payload
             FROM outbox o
             JOIN events e ON e.global_position = o.global_position
             CROSS JOIN LATERAL (SELECT e.data->'message' AS m,
                                        CASE WHEN e.event_type = 'MessageRerated' THEN e.data->'after' ELSE e.data END AS r) message
             ORDER BY o.id LIMIT $1`,
      values: [limit],
    });
    return result.rows.map((row) => ({ id: BigInt(row.id), messageKey: row.message_key, payload: row.payload }));
  }

  async remove(client: PoolClient, ids: readonly bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await client.query({
      name: 'outbox-remove',
      text: 'DELETE FROM outbox WHERE id = ANY($1::bigint[])',
      values: [ids.map(String)],
    });
  }
}
