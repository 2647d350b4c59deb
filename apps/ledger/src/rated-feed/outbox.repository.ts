import { Injectable } from '@nestjs/common';
import type { MessageEvent } from '@ledger/contracts';
import { chargeOf, type ChargeEventRow } from '../charges/charge.js';
import type { PoolClient } from '../database/database.js';
import type { RecordedEvent } from '../projections/projection.js';

export interface OutboxRow {
  id: bigint;
  messageKey: string;
  payload: unknown;
}

const isMessageEvent = (event: RecordedEvent['event']): event is MessageEvent =>
  event.type === 'MessageCharged' || event.type === 'MessageRecorded' || event.type === 'MessageRejected';

/**
 * The transactional outbox of the rated-message feed: written in the transaction that appends the
 * events, read and emptied by the relay once Kafka has the messages.
 */
@Injectable()
export class OutboxRepository {
  async enqueue(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const rated = events.flatMap(({ event, globalPosition }) =>
      isMessageEvent(event)
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

  /** The oldest rows, each with the rated message as the feed publishes it. */
  async next(client: PoolClient, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<ChargeEventRow & { id: string; message_key: string; global_position: string }>({
      name: 'outbox-next',
      text: `SELECT o.id, o.message_key, o.global_position, e.event_type, e.data
             FROM outbox o JOIN events e ON e.global_position = o.global_position
             ORDER BY o.id LIMIT $1`,
      values: [limit],
    });
    return result.rows.map((row) => ({
      id: BigInt(row.id),
      messageKey: row.message_key,
      payload: { ...chargeOf(row), globalPosition: row.global_position },
    }));
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
