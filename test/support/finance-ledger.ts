import { TOPICS } from '@ledger/contracts';
import {
  apiClient,
  KEYS,
  messageSent,
  startLedger,
  upstream,
  type Environment,
  type RunningLedger,
} from './ledger-harness.js';

export interface Party {
  msisdn: string;
  network: string;
}

/** A subscriber of the home network, whose traffic the ledger rates. */
export const o2 = (msisdn: string): Party => ({ msisdn, network: 'O2-UK' });
/** A number on another network: an interconnect partner, or none. */
export const on = (network: string, msisdn = '447800929999'): Party => ({ msisdn, network });

export const sms = (messageId: string, sentAt: string, sender: Party, recipient: Party) =>
  messageSent({ messageId, kind: 'SMS', sentAt, sender, recipient });
export const mms = (messageId: string, sentAt: string, sender: Party, recipient: Party) =>
  messageSent({ messageId, kind: 'MMS', sentAt, sender, recipient, mms: { sizeBytes: 30_500, content: ['image'] } });

export interface Purchase {
  purchaseId: string;
  boltOn: string;
  purchasedAt: string;
}

/** A ledger of its own, fed through the real broker, with a client per role: what the finance tests stand on. */
export interface FinanceLedger {
  readonly ledger: RunningLedger;
  readonly url: string;
  readonly admin: ReturnType<typeof apiClient>;
  readonly finance: ReturnType<typeof apiClient>;
  readonly retail: ReturnType<typeof apiClient>;
  /** Buys through the synchronous API, as retail does; fails unless it answers `status`. */
  buy(msisdn: string, purchase: Purchase, status?: number): Promise<unknown>;
  /** Sends messages to the message topic keyed by their sender, as the network does. */
  publish(messages: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

export async function startFinanceLedger(environment: Environment): Promise<FinanceLedger> {
  const ledger = await startLedger(environment);
  const network = await upstream();
  const retail = apiClient(ledger.url, KEYS.retail);
  return {
    ledger,
    url: ledger.url,
    admin: apiClient(ledger.url, KEYS.admin),
    finance: apiClient(ledger.url, KEYS.finance),
    retail,
    buy: async (msisdn, purchase, status = 201) => {
      const response = await retail.post(`/v1/subscribers/${msisdn}/bolt-ons`, purchase);
      if (response.status !== status) {
        throw new Error(
          `purchase ${purchase.purchaseId} answered ${response.status}, not ${status}: ${JSON.stringify(response.body)}`,
        );
      }
      return response.body;
    },
    publish: (messages) =>
      network.send(
        environment.topic(TOPICS.messageSent),
        messages.map((message) => ({
          key: (message.sender as Party).msisdn,
          value: JSON.stringify(message),
        })),
      ),
    close: async () => {
      await network.close();
      await ledger.close();
    },
  };
}
