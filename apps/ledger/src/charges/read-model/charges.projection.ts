import { isMessageEvent, type MessageEvent } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Projection, RecordedEvent } from '@ledger/app/read-models/projection.js';
import { partnerNetwork, toCharge } from './charge.js';

/** One row per rated message, and one per bolt-on a message drew units from. */
export class ChargesProjection implements Projection {
  readonly name = 'charges';
  readonly tables = ['charges', 'allocations'];

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const messages = events.filter((recorded) => isMessageEvent(recorded.event));
    if (messages.length === 0) return;
    const charges = messages.map((recorded) => ({
      position: recorded.globalPosition,
      charge: toCharge(recorded.event as MessageEvent),
    }));
    await client.query({
      name: 'charges-insert',
      text: `INSERT INTO charges (message_id, sender_msisdn, kind, sent_at, status, units, pence, partner_network, global_position)
             SELECT * FROM json_to_recordset($1::json)
               AS r(m text, s text, k text, at timestamptz, st text, u int, p int, n text, g bigint)`,
      values: [
        JSON.stringify(
          charges.map(({ charge, position }) => ({
            m: charge.messageId,
            s: charge.sender.msisdn,
            k: charge.kind,
            at: charge.sentAt,
            st: charge.status,
            u: charge.units,
            p: charge.pence,
            n: partnerNetwork(charge),
            g: position.toString(),
          })),
        ),
      ],
    });
    const allocations = messages.flatMap(({ event }) =>
      event.type === 'MessageCharged'
        ? event.data.allocations.map((allocation) => ({ ...allocation, message: event.data.message }))
        : [],
    );
    if (allocations.length === 0) return;
    await client.query({
      name: 'allocations-insert',
      text: `INSERT INTO allocations (message_id, purchase_id, msisdn, sent_at, units, recognised_pence)
             SELECT m, p, s, at, u, r FROM json_to_recordset($1::json) AS t(m text, p text, s text, at timestamptz, u int, r int)`,
      values: [
        JSON.stringify(
          allocations.map((allocation) => ({
            m: allocation.message.messageId,
            p: allocation.purchaseId,
            s: allocation.message.sender.msisdn,
            at: allocation.message.sentAt,
            u: allocation.units,
            r: allocation.recognisedPence,
          })),
        ),
      ],
    });
  }
}
