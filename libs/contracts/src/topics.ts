/** Topic names of docs/CONTRACT.md section 2 before the environment's prefix is applied. */
export const TOPICS = {
  messageSent: 'network.message-sent.v1',
  boltOnPurchased: 'retail.bolt-on-purchased.v1',
  messageRated: 'ledger.message-rated.v1',
} as const;

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;
