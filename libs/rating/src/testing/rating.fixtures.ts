// Builders for the rating specs: given / when / then in the business's words.
import { readFileSync } from 'node:fs';
import { boltOnPurchaseSchema, messageSentSchema } from '@ledger/contracts';
import type { BoltOnPurchase, LedgerEvent, MessageKind, MessageSent, Network } from '@ledger/contracts';
import type { PurchaseBoltOn } from '../commands/purchase-bolt-on.command.js';
import type { RatingCommand } from '../commands/rating-command.js';
import { subscriberOf } from '../commands/rating-command.js';
import type { RecordMessageSent } from '../commands/record-message-sent.command.js';
import type { RatedDecision } from '../rating/decide-all.js';
import { decideAll } from '../rating/decide-all.js';
import { decide } from '../rating/rating.decider.js';
import type { BoltOnHolding, SubscriberState } from '../subscriber/subscriber.state.js';
import { initialSubscriberState } from '../subscriber/subscriber.state.js';
import { DEFAULT_TARIFF_FILE } from '../tariff/default-tariff.js';
import type { Tariff } from '../tariff/tariff.model.js';
import { parseTariff } from '../tariff/tariff.parser.js';

export const SUBSCRIBER = '447700900123';
export const FRIEND = '447800900456';

const defaultTariffText = readFileSync(DEFAULT_TARIFF_FILE, 'utf8');
/** A fresh copy of the default tariff JSON, free to corrupt. */
export const defaultTariffJson = (): Record<string, unknown> =>
  JSON.parse(defaultTariffText) as Record<string, unknown>;
export const defaultTariff: Tariff = parseTariff(defaultTariffJson());

export interface MessageOptions {
  messageId?: string;
  kind?: MessageKind;
  sentAt?: string;
  sender?: string;
  from?: Network;
  to?: Network;
  roamingCountry?: string | null;
}

export function messageSent(options: MessageOptions = {}): MessageSent {
  const kind = options.kind ?? 'SMS';
  return messageSentSchema.parse({
    messageId: options.messageId ?? 'SMSC1-20030402-000001',
    kind,
    sentAt: options.sentAt ?? '2003-04-02T10:15:00Z',
    sender: { msisdn: options.sender ?? SUBSCRIBER, network: options.from ?? 'O2-UK' },
    recipient: { msisdn: FRIEND, network: options.to ?? 'O2-UK' },
    roamingCountry: options.roamingCountry ?? null,
    ...(kind === 'MMS' ? { mms: { sizeBytes: 30500, content: ['image', 'text'] } } : {}),
  });
}

export const sendMessage = (options: MessageOptions = {}): RecordMessageSent => ({
  type: 'RecordMessageSent',
  message: messageSent(options),
});
export const sendSms = (options: MessageOptions = {}): RecordMessageSent => sendMessage({ ...options, kind: 'SMS' });
export const sendMms = (options: MessageOptions = {}): RecordMessageSent => sendMessage({ ...options, kind: 'MMS' });

export function boltOnPurchase(options: Partial<BoltOnPurchase> = {}): BoltOnPurchase {
  return boltOnPurchaseSchema.parse({
    purchaseId: 'R-0001',
    msisdn: SUBSCRIBER,
    boltOn: 'GBP3',
    purchasedAt: '2003-04-01T09:00:00Z',
    ...options,
  });
}

export const buyBoltOn = (options: Partial<BoltOnPurchase> = {}): PurchaseBoltOn => ({
  type: 'PurchaseBoltOn',
  purchase: boltOnPurchase(options),
});

/** A bolt-on already held, for states given directly. */
export function holding(options: Partial<BoltOnHolding> = {}): BoltOnHolding {
  const units = options.units ?? 50;
  return {
    purchaseId: 'R-0001',
    boltOn: 'GBP3',
    pricePence: 300,
    purchasedAt: '2003-04-01T09:00:00Z',
    expiresAt: null,
    units,
    unitsRemaining: units,
    ...options,
  };
}

export const stateWith = (...boltOns: BoltOnHolding[]): SubscriberState => ({ msisdn: SUBSCRIBER, boltOns });

/** The single event a first-time command produces. */
export function rate(command: RatingCommand, state?: SubscriberState, tariff: Tariff = defaultTariff): LedgerEvent {
  const decision = decide(command, state ?? initialSubscriberState(subscriberOf(command)), tariff);
  if (decision.outcome !== 'new' || decision.events.length !== 1) {
    throw new Error(`expected one new event, got ${JSON.stringify(decision)}`);
  }
  return decision.events[0];
}

/** The state of the subscriber after each command was rated and recorded in turn; each must be new. */
export function stateAfter(
  commands: RatingCommand[],
  tariff: Tariff = defaultTariff,
  msisdn = SUBSCRIBER,
): SubscriberState {
  const { decisions, streams } = decideAll(commands, new Map(), tariff, new Map());
  const notNew = decisions.find((decision) => decision.outcome !== 'new');
  if (notNew) throw new Error(`expected every command to be new, got ${JSON.stringify(notNew)}`);
  return streams.get(msisdn)?.state ?? initialSubscriberState(msisdn);
}

/** An in-memory ledger: one stream per subscriber, outcomes looked up globally by idempotency key. */
export interface LedgerRun {
  readonly decisions: RatedDecision[];
  readonly streams: Map<string, LedgerEvent[]>;
  readonly states: Map<string, SubscriberState>;
}

export function runLedger(commands: readonly RatingCommand[], tariff: Tariff): LedgerRun {
  const decided = decideAll(commands, new Map(), tariff, new Map());
  const streams = new Map<string, LedgerEvent[]>();
  for (const { msisdn, event } of decided.events) streams.set(msisdn, [...(streams.get(msisdn) ?? []), event]);
  const states = new Map([...decided.streams].map(([msisdn, { state }]) => [msisdn, state]));
  return { decisions: decided.decisions, streams, states };
}
