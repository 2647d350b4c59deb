import type { MessageKind, Network } from './networks.js';

export type RejectionReason =
  'BOLT_ON_NOT_AVAILABLE' | 'DUPLICATE_CONFLICT' | 'NOT_O2_TRAFFIC' | 'NO_MMS_INTERCONNECT' | 'ROAMING_NOT_SUPPORTED';

export type MessageRejectionReason = Exclude<RejectionReason, 'BOLT_ON_NOT_AVAILABLE'>;

export interface Party {
  readonly msisdn: string;
  readonly network: Network;
}

/** The facts of one message as the network reported them, normalised (sentAt in UTC). */
export interface MessageFacts {
  readonly messageId: string;
  readonly kind: MessageKind;
  readonly sentAt: string;
  readonly sender: Party;
  readonly recipient: Party;
  readonly roamingCountry: string | null;
  readonly mms: { readonly sizeBytes: number; readonly content: readonly string[] } | null;
}

/** Units a message took from one bolt-on, and the revenue that use recognised (docs/CONTRACT.md section 4). */
export interface Allocation {
  readonly purchaseId: string;
  readonly units: number;
  readonly recognisedPence: number;
}

export interface MessageCharged {
  readonly type: 'MessageCharged';
  readonly data: {
    readonly message: MessageFacts;
    readonly units: number;
    readonly pence: number;
    readonly allocations: readonly Allocation[];
    readonly tariffVersion?: number;
  };
}

export interface MessageRecorded {
  readonly type: 'MessageRecorded';
  readonly data: { readonly message: MessageFacts; readonly tariffVersion?: number };
}

export interface MessageRejected {
  readonly type: 'MessageRejected';
  readonly data: {
    readonly message: MessageFacts;
    readonly reason: MessageRejectionReason;
    readonly tariffVersion?: number;
  };
}

export interface BoltOnPurchased {
  readonly type: 'BoltOnPurchased';
  readonly data: {
    readonly purchaseId: string;
    readonly msisdn: string;
    readonly boltOn: string;
    readonly units: number;
    readonly pricePence: number;
    readonly purchasedAt: string;
    /** purchasedAt + validityDays x 24 h (docs/CONTRACT.md section 10); absent: the units never expire. */
    readonly expiresAt?: string;
    readonly tariffVersion?: number;
  };
}

export interface BoltOnPurchaseRejected {
  readonly type: 'BoltOnPurchaseRejected';
  readonly data: {
    readonly purchaseId: string;
    readonly msisdn: string;
    readonly boltOn: string;
    readonly purchasedAt: string;
    readonly reason: 'BOLT_ON_NOT_AVAILABLE';
    readonly tariffVersion?: number;
  };
}

export type RatedStatus = 'CHARGED' | 'RECORDED' | 'REJECTED';

/** How a message stood once rated: the charge's own fields (docs/CONTRACT.md section 8.2). */
export interface RatedOutcome {
  readonly status: RatedStatus;
  readonly reason: MessageRejectionReason | null;
  readonly units: number;
  readonly pence: number;
  readonly allocations: readonly Allocation[];
}

/** A rerating run decided a message again and its outcome changed: appended, the first rating is kept. */
export interface MessageRerated {
  readonly type: 'MessageRerated';
  readonly data: {
    readonly runId: string;
    readonly message: MessageFacts;
    readonly before: RatedOutcome;
    readonly after: RatedOutcome;
    readonly tariffVersion?: number;
  };
}

/** Finance closed a month and every earlier one (docs/CONTRACT.md section 9): recorded on the finance stream. */
export interface PeriodClosed {
  readonly type: 'PeriodClosed';
  readonly data: { readonly period: string; readonly closedAt: string };
}

/** Events of the finance stream. */
export type FinanceEvent = PeriodClosed;
export const FINANCE_STREAM = 'finance';
export const periodClosedKey = (period: string): string => `period-closed:${period}`;

export type MessageEvent = MessageCharged | MessageRecorded | MessageRejected;
export type PurchaseEvent = BoltOnPurchased | BoltOnPurchaseRejected;
/** Every event of a subscriber's stream. */
export type LedgerEvent = MessageEvent | PurchaseEvent | MessageRerated;

export const isMessageEvent = (event: LedgerEvent | FinanceEvent): event is MessageEvent =>
  event.type === 'MessageCharged' || event.type === 'MessageRecorded' || event.type === 'MessageRejected';

/** The outcome a first rating event gave its message. */
export function outcomeOf(event: MessageEvent): RatedOutcome {
  switch (event.type) {
    case 'MessageCharged': {
      const { units, pence, allocations } = event.data;
      return { status: 'CHARGED', reason: null, units, pence, allocations };
    }
    case 'MessageRecorded':
      return { status: 'RECORDED', reason: null, units: 0, pence: 0, allocations: [] };
    case 'MessageRejected':
      return { status: 'REJECTED', reason: event.data.reason, units: 0, pence: 0, allocations: [] };
  }
}

export const streamOf = (msisdn: string): string => `subscriber-${msisdn}`;
export const messageKey = (messageId: string): string => `message:${messageId}`;
export const purchaseKey = (purchaseId: string): string => `purchase:${purchaseId}`;
