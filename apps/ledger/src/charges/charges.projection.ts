import type { MessageEvent } from '@ledger/contracts';
import type { PoolClient } from '../database/database.js';
import type { Projection, RecordedEvent } from '../projections/projection.js';
import { partnerNetwork, toCharge } from './charge.js';

const isMessageEvent = (event: RecordedEvent['event']): event is MessageEvent =>
  event.type === 'MessageCharged' || event.type === 'MessageRecorded' || event.type === 'MessageRejected';

/** One row per rated message, and one per bolt-on a message drew units from. */
export class ChargesProjection implements Projection {
  readonly name = 'charges';
  readonly tables = ['charges', 'allocations'];

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const messages = events.filter((recorded) => isMessageEvent(recorded.event));
    if (messages.length === 0) return;
    const charges = messages.map((recorded) => ({ position: recorded.globalPosition, charge: toCharge(recorded.event as MessageEvent) }));
    await client.query({
      name: 'charges-insert',
      text: `INSERT INTO charges (message_id, sender_msisdn, recipient_msisdn, kind, sent_at, status, reason, units, pence,
                                  partner_network, charge, global_position)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                                  $7::text[], $8::int[], $9::int[], $10::text[], $11::jsonb[], $12::bigint[])`,
      values: [
        charges.map(({ charge }) => charge.messageId),
        charges.map(({ charge }) => charge.sender.msisdn),
        charges.map(({ charge }) => charge.recipient.msisdn),
        charges.map(({ charge }) => charge.kind),
        charges.map(({ charge }) => charge.sentAt),
        charges.map(({ charge }) => charge.status),
        charges.map(({ charge }) => charge.reason),
        charges.map(({ charge }) => charge.units),
        charges.map(({ charge }) => charge.pence),
        charges.map(({ charge }) => partnerNetwork(charge)),
        charges.map(({ charge }) => JSON.stringify(charge)),
        charges.map(({ position }) => position.toString()),
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
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::int[])`,
      values: [
        allocations.map((allocation) => allocation.message.messageId),
        allocations.map((allocation) => allocation.purchaseId),
        allocations.map((allocation) => allocation.message.sender.msisdn),
        allocations.map((allocation) => allocation.message.sentAt),
        allocations.map((allocation) => allocation.units),
        allocations.map((allocation) => allocation.recognisedPence),
      ],
    });
  }
}
