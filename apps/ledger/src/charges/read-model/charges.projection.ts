import { isMessageEvent, type MessageEvent, type MessageRerated } from '@ledger/contracts';
import type { PoolClient } from '@ledger/app/platform/database/database.js';
import type { Projection, RecordedEvent } from '@ledger/app/read-models/projection.js';
import { runWrites, type Write } from '@ledger/app/read-models/writes.js';
import { partnerNetwork, toCharge, type ChargeCorrection } from './charge.js';

/** One row per rated message, and one per bolt-on a message drew units from. */
export class ChargesProjection implements Projection {
  readonly name = 'charges';
  readonly tables = ['charges', 'allocations'];

  async apply(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    await runWrites(client, await this.plan(client, events));
  }

  plan(_client: PoolClient, events: readonly RecordedEvent[]): Promise<Write[]> {
    const writes: Write[] = [];
    insertRated(
      writes,
      events.filter((recorded) => isMessageEvent(recorded.event)),
    );
    applyReratings(writes, events);
    return Promise.resolve(writes);
  }
}

function insertRated(writes: Write[], messages: readonly RecordedEvent[]): void {
  if (messages.length === 0) return;
  const charges = messages.map((recorded) => ({
    position: recorded.globalPosition,
    charge: toCharge(recorded.event as MessageEvent),
  }));
  writes.push({
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
  writes.push({
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

/**
 * A rerated message's row takes the outcome of its last rerating in the batch and lists every one;
 * its allocations are replaced by that outcome's, so revenue and balances follow it. Each of these
 * writes sees the ones before it: a rebuild's page may hold a message's charge and its rerating.
 */
function applyReratings(writes: Write[], events: readonly RecordedEvent[]): void {
  const latest = new Map<string, { position: bigint; event: MessageRerated; corrections: ChargeCorrection[] }>();
  for (const { event, globalPosition } of events) {
    if (event.type !== 'MessageRerated') continue;
    const { messageId } = event.data.message;
    const corrections = latest.get(messageId)?.corrections ?? [];
    corrections.push({ runId: event.data.runId, before: event.data.before });
    latest.set(messageId, { position: globalPosition, event, corrections });
  }
  if (latest.size === 0) return;
  const rows = [...latest.values()].map(({ position, event, corrections }) => {
    const charge = toCharge(event);
    return {
      m: charge.messageId,
      st: charge.status,
      u: charge.units,
      p: charge.pence,
      n: partnerNetwork(charge),
      g: position.toString(),
      c: corrections,
    };
  });
  writes.push({
    name: 'charges-rerate',
    seesEarlier: true,
    text: `UPDATE charges SET status = r.st, units = r.u, pence = r.p, partner_network = r.n, global_position = r.g,
                                corrections = charges.corrections || r.c
             FROM json_to_recordset($1::json) AS r(m text, st text, u int, p int, n text, g bigint, c jsonb)
             WHERE charges.message_id = r.m`,
    values: [JSON.stringify(rows)],
  });
  writes.push({
    name: 'allocations-rerate-remove',
    seesEarlier: true,
    text: 'DELETE FROM allocations WHERE message_id = ANY($1::text[])',
    values: [[...latest.keys()]],
  });
  const allocations = [...latest.values()].flatMap(({ event }) =>
    event.data.after.allocations.map((allocation) => ({
      m: event.data.message.messageId,
      p: allocation.purchaseId,
      s: event.data.message.sender.msisdn,
      at: event.data.message.sentAt,
      u: allocation.units,
      r: allocation.recognisedPence,
    })),
  );
  if (allocations.length === 0) return;
  writes.push({
    name: 'allocations-rerate-insert',
    seesEarlier: true,
    text: `INSERT INTO allocations (message_id, purchase_id, msisdn, sent_at, units, recognised_pence)
             SELECT m, p, s, at, u, r FROM json_to_recordset($1::json) AS t(m text, p text, s text, at timestamptz, u int, r int)`,
    values: [JSON.stringify(allocations)],
  });
}
