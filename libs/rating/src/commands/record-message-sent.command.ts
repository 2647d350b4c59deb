import type { MessageSent } from '@ledger/contracts';

/** Rate a message an O2 SMSC or MMSC accepted. */
export interface RecordMessageSent {
  readonly type: 'RecordMessageSent';
  readonly message: MessageSent;
}
