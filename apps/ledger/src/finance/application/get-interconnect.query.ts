import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { HOME_NETWORK, NETWORKS, type Network } from '@ledger/contracts';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { toSafeInteger } from './sql-numbers.js';

/** Every network but the home one, in the order of docs/CONTRACT.md section 2. */
export const PARTNER_NETWORKS = NETWORKS.filter((network) => network !== HOME_NETWORK);

export interface InterconnectTraffic {
  network: Network;
  outboundSms: number;
  outboundMms: number;
  inboundSms: number;
  inboundMms: number;
}

/** Interconnect message counts per partner network over the UTC days from `from` to `to`, both included. */
export class GetInterconnectQuery extends Query<InterconnectTraffic[]> {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super();
  }
}

interface TrafficRow {
  network: Network;
  outbound_sms: string;
  outbound_mms: string;
  inbound_sms: string;
  inbound_mms: string;
}

/**
 * Outbound is what was CHARGED, inbound what was RECORDED; rejected messages are not traffic (docs/CONTRACT.md
 * section 4). Counted on the day each was posted: a message of a closed month counts where it was adjusted (section 9).
 */
@QueryHandler(GetInterconnectQuery)
export class GetInterconnectHandler implements IQueryHandler<GetInterconnectQuery> {
  constructor(@Inject(API_PG_POOL) private readonly pool: Pool) {}

  async execute({ from, to }: GetInterconnectQuery): Promise<InterconnectTraffic[]> {
    const result = await this.pool.query<TrafficRow>({
      name: 'finance-interconnect',
      text: `SELECT network, sum(outbound_sms) AS outbound_sms, sum(outbound_mms) AS outbound_mms,
                    sum(inbound_sms) AS inbound_sms, sum(inbound_mms) AS inbound_mms
             FROM finance_postings
             WHERE posting_day >= $1::date AND posting_day <= $2::date AND network IS NOT NULL
             GROUP BY network`,
      values: [from, to],
    });
    const traffic = new Map(
      PARTNER_NETWORKS.map((network) => [
        network,
        { network, outboundSms: 0, outboundMms: 0, inboundSms: 0, inboundMms: 0 },
      ]),
    );
    for (const row of result.rows) {
      const counts = traffic.get(row.network);
      if (!counts) continue;
      counts.outboundSms = toSafeInteger(row.outbound_sms, 'message count');
      counts.outboundMms = toSafeInteger(row.outbound_mms, 'message count');
      counts.inboundSms = toSafeInteger(row.inbound_sms, 'message count');
      counts.inboundMms = toSafeInteger(row.inbound_mms, 'message count');
    }
    return [...traffic.values()];
  }
}
