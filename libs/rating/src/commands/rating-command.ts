import { messageKey, purchaseKey } from '@ledger/contracts';
import type { PurchaseBoltOn } from './purchase-bolt-on.command.js';
import type { RecordMessageSent } from './record-message-sent.command.js';

export type RatingCommand = RecordMessageSent | PurchaseBoltOn;

/** The subscriber whose stream rates the command: the sender of every message (inbound and rejected ones too), the buyer of a bolt-on. */
export function subscriberOf(command: RatingCommand): string {
  switch (command.type) {
    case 'RecordMessageSent':
      return command.message.sender.msisdn;
    case 'PurchaseBoltOn':
      return command.purchase.msisdn;
  }
}

/** The ledger-wide idempotency key of the command: its messageId or purchaseId. */
export function idempotencyKeyOf(command: RatingCommand): string {
  switch (command.type) {
    case 'RecordMessageSent':
      return messageKey(command.message.messageId);
    case 'PurchaseBoltOn':
      return purchaseKey(command.purchase.purchaseId);
  }
}
