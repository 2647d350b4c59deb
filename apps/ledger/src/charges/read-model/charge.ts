import {
  HOME_NETWORK,
  type MessageEvent,
  type MessageRerated,
  type Network,
  type Party,
  type RatedOutcome,
} from '@ledger/contracts';

export type ChargeStatus = 'CHARGED' | 'RECORDED' | 'REJECTED';

/** A charge as docs/CONTRACT.md section 5 shows it. */
export interface Charge {
  messageId: string;
  kind: 'SMS' | 'MMS';
  sentAt: string;
  sender: Party;
  recipient: Party;
  roamingCountry: string | null;
  status: ChargeStatus;
  reason: string | null;
  units: number;
  pence: number;
  allocations: { purchaseId: string; units: number }[];
  /** The tariff version that decided this outcome; null for events recorded before versions were kept. */
  tariffVersion: number | null;
  /** Every rerating that changed the message, oldest first, with the outcome it replaced. */
  corrections: ChargeCorrection[];
}

export interface ChargeCorrection {
  runId: string;
  before: RatedOutcome;
}

/** A rating event or a rerating: what a charge is read from. */
export type ChargeEvent = MessageEvent | MessageRerated;

export function toCharge(event: ChargeEvent, corrections: ChargeCorrection[] = []): Charge {
  const message = event.data.message;
  // Written out field by field: this runs for every message the ledger records.
  const charge: Charge = {
    messageId: message.messageId,
    kind: message.kind,
    sentAt: message.sentAt,
    sender: message.sender,
    recipient: message.recipient,
    roamingCountry: message.roamingCountry,
    status: 'CHARGED',
    reason: null,
    units: 0,
    pence: 0,
    allocations: [],
    tariffVersion: event.data.tariffVersion ?? null,
    corrections,
  };
  switch (event.type) {
    case 'MessageCharged':
      charge.units = event.data.units;
      charge.pence = event.data.pence;
      charge.allocations = event.data.allocations.map(({ purchaseId, units }) => ({ purchaseId, units }));
      return charge;
    case 'MessageRecorded':
      charge.status = 'RECORDED';
      return charge;
    case 'MessageRejected':
      charge.status = 'REJECTED';
      charge.reason = event.data.reason;
      return charge;
    case 'MessageRerated': {
      const { status, reason, units, pence, allocations } = event.data.after;
      charge.status = status;
      charge.reason = reason;
      charge.units = units;
      charge.pence = pence;
      charge.allocations = allocations.map(({ purchaseId, units: used }) => ({ purchaseId, units: used }));
      return charge;
    }
  }
}

/** The other network of interconnect traffic (docs/CONTRACT.md section 4), or null when it is not such traffic. */
export function partnerNetwork(charge: Charge): Network | null {
  if (charge.status === 'CHARGED' && charge.recipient.network !== HOME_NETWORK) return charge.recipient.network;
  if (charge.status === 'RECORDED' && charge.sender.network !== HOME_NETWORK) return charge.sender.network;
  return null;
}

/** A charges row joined to its event (`events.event_type`, `events.data`). */
export interface ChargeEventRow {
  event_type: string;
  data: unknown;
  corrections: ChargeCorrection[];
}

export const chargeOf = (row: ChargeEventRow): Charge =>
  toCharge({ type: row.event_type, data: row.data } as ChargeEvent, row.corrections);
