import type { ApiPurchase } from './backlog.js';
import type { ServiceInstance } from './service-process.js';

/** Calls at once, across the instances: a retail front end's few connections, not a flood. */
const CONCURRENCY = 4;
/** Answers the contract gives a purchase (docs/CONTRACT.md section 5): new, repeated, rejected, conflicting. */
const ANSWERED = new Set([200, 201, 409, 422]);

export interface ApiPurchaseRun {
  readonly answered: () => number;
  /** Resolves when every purchase has an answer; rejects on an answer the contract does not give. */
  readonly done: Promise<void>;
}

/**
 * Sends the mix's API purchases to the running instances, each once the instance answers /health,
 * while they drain the topics. A 503 (the database busy or the service not ready) is tried again.
 */
export function sendApiPurchases(
  purchases: readonly ApiPurchase[],
  services: readonly ServiceInstance[],
  apiKey: string,
): ApiPurchaseRun {
  let next = 0;
  let answered = 0;
  const lane = async (index: number): Promise<void> => {
    const service = services[index % services.length];
    await service.waitHealthy(120_000);
    while (next < purchases.length) {
      const purchase = purchases[next++];
      for (let attempt = 1; ; attempt += 1) {
        const response = await fetch(`http://127.0.0.1:${service.port}/v1/subscribers/${purchase.msisdn}/bolt-ons`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: purchase.body,
        }).catch((error: Error) => error);
        if (!(response instanceof Error)) await response.body?.cancel();
        if (!(response instanceof Error) && ANSWERED.has(response.status)) break;
        const what = response instanceof Error ? response.message : `HTTP ${response.status}`;
        if (attempt === 5) throw new Error(`API purchase for ${purchase.msisdn} failed 5 times, last: ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
      answered += 1;
    }
  };
  const done = Promise.all(Array.from({ length: CONCURRENCY }, (_, index) => lane(index))).then(() => undefined);
  return { answered: () => answered, done };
}
