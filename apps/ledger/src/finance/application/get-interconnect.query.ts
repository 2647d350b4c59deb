import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { HOME_NETWORK, NETWORKS, type MessageKind, type Network } from '@ledger/contracts';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { endOfDay, startOfDay } from '@ledger/app/platform/http/utc-days.js';
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

const COUNTERS = {
  CHARGED: { SMS: 'outboundSms', MMS: 'outboundMms' },
  RECORDED: { SMS: 'inboundSms', MMS: 'inboundMms' },
} as const;

interface TrafficRow {
  network: Network;
  status: 'CHARGED' | 'RECORDED';
  kind: MessageKind;
  messages: string;
}

/** Outbound is what was CHARGED, inbound what was RECORDED; rejected messages are not traffic (docs/CONTRACT.md section 4). */
@QueryHandler(GetInterconnectQuery)
export class GetInterconnectHandler implements IQueryHandler<GetInterconnectQuery> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ from, to }: GetInterconnectQuery): Promise<InterconnectTraffic[]> {
    const result = await this.pool.query<TrafficRow>({
      name: 'finance-interconnect',
      text: `SELECT partner_network AS network, status, kind, count(*) AS messages FROM charges
             WHERE sent_at >= $1 AND sent_at < $2 AND partner_network IS NOT NULL AND status IN ('CHARGED', 'RECORDED')
             GROUP BY partner_network, status, kind`,
      values: [startOfDay(from), endOfDay(to)],
    });
    const traffic = new Map(
      PARTNER_NETWORKS.map((network) => [
        network,
        { network, outboundSms: 0, outboundMms: 0, inboundSms: 0, inboundMms: 0 },
      ]),
    );
    for (const row of result.rows) {
      const counts = traffic.get(row.network);
      if (counts) counts[COUNTERS[row.status][row.kind]] = toSafeInteger(row.messages, 'message count');
    }
    return [...traffic.values()];
  }
}
