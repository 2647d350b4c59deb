import { ApiProperty } from '@nestjs/swagger';
import type { Network } from '@ledger/contracts';
import { PARTNER_NETWORKS } from '../application/get-interconnect.query.js';
import type { Revenue } from '../application/get-revenue.query.js';
import { CHARGE_EXAMPLE, type ChargesPageDto } from '@ledger/app/charges/api/charge.dto.js';
import { interconnectCsv, interconnectMessagesCsv, revenueCsv } from './finance-csv.js';

/** docs/CONTRACT.md section 4 revenue figures, in integer pence. */
export class RevenueFiguresDto {
  @ApiProperty({
    type: 'integer',
    description: 'Catalogue price of the purchases, on the UTC day of purchasedAt.',
    example: 1600,
  })
  boltOnSalesPence!: number;

  @ApiProperty({ type: 'integer', description: 'Pence charged, on the UTC day of sentAt.', example: 185 })
  paygPence!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Bolt-on revenue recognised as units are used: floor(P * c / U), on the UTC day of sentAt.',
    example: 20,
  })
  recognisedBoltOnPence!: number;
}

export class RevenueDayDto extends RevenueFiguresDto {
  @ApiProperty({ format: 'date', description: 'A UTC day.', example: '2003-04-01' })
  date!: string;
}

export class RevenueDto {
  @ApiProperty({
    type: () => [RevenueDayDto],
    description: 'Every UTC day of the range, in order, with or without revenue.',
  })
  days!: RevenueDayDto[];

  @ApiProperty({ type: () => RevenueFiguresDto, description: 'The sums over the range.' })
  totals!: RevenueFiguresDto;

  @ApiProperty({
    type: 'integer',
    description: 'Deferred bolt-on revenue as at the end of `to`: sales so far less what they have recognised.',
    example: 1572,
  })
  deferredPence!: number;
}

/** Interconnect message counts with one partner network. */
export class InterconnectTrafficDto {
  @ApiProperty({ enum: PARTNER_NETWORKS, enumName: 'PartnerNetwork', example: 'VODAFONE-UK' })
  network!: Network;

  @ApiProperty({ type: 'integer', description: 'CHARGED SMS to the network.', example: 1210 })
  outboundSms!: number;

  @ApiProperty({ type: 'integer', description: 'CHARGED MMS to the network.', example: 37 })
  outboundMms!: number;

  @ApiProperty({ type: 'integer', description: 'RECORDED SMS from the network.', example: 1184 })
  inboundSms!: number;

  @ApiProperty({ type: 'integer', description: 'RECORDED MMS from the network.', example: 29 })
  inboundMms!: number;
}

export class InterconnectDto {
  @ApiProperty({
    type: () => [InterconnectTrafficDto],
    description: 'Every partner network (all but O2-UK), totals over the range; rejected messages are not traffic.',
  })
  networks!: InterconnectTrafficDto[];
}

const REVENUE: Revenue = {
  days: [
    { date: '2003-04-01', boltOnSalesPence: 1600, paygPence: 45, recognisedBoltOnPence: 0, deferredPence: 1600 },
    { date: '2003-04-02', boltOnSalesPence: 0, paygPence: 140, recognisedBoltOnPence: 20, deferredPence: 1580 },
  ],
  totals: { boltOnSalesPence: 1600, paygPence: 185, recognisedBoltOnPence: 20 },
  deferredPence: 1580,
};

/** As the controller answers REVENUE in JSON: the days without their running deferred balance. */
export const REVENUE_EXAMPLE: RevenueDto = {
  days: REVENUE.days.map(({ date, boltOnSalesPence, paygPence, recognisedBoltOnPence }) => ({
    date,
    boltOnSalesPence,
    paygPence,
    recognisedBoltOnPence,
  })),
  totals: REVENUE.totals,
  deferredPence: REVENUE.deferredPence,
};

export const REVENUE_CSV_EXAMPLE = revenueCsv(REVENUE);

export const INTERCONNECT_EXAMPLE: InterconnectDto = {
  networks: [
    { network: 'VODAFONE-UK', outboundSms: 1210, outboundMms: 37, inboundSms: 1184, inboundMms: 29 },
    { network: 'ORANGE-UK', outboundSms: 860, outboundMms: 21, inboundSms: 902, inboundMms: 18 },
    { network: 'TMOBILE-UK', outboundSms: 455, outboundMms: 9, inboundSms: 430, inboundMms: 7 },
    { network: 'THREE-UK', outboundSms: 390, outboundMms: 6, inboundSms: 377, inboundMms: 4 },
    { network: 'OTHER', outboundSms: 12, outboundMms: 0, inboundSms: 8, inboundMms: 0 },
  ],
};

export const INTERCONNECT_CSV_EXAMPLE = interconnectCsv(INTERCONNECT_EXAMPLE.networks);

/** The charges behind VODAFONE-UK's figures on 2003-04-02: one outbound, one inbound. */
export const INTERCONNECT_MESSAGES_EXAMPLE: ChargesPageDto = {
  items: [
    CHARGE_EXAMPLE,
    {
      messageId: 'SMSC1-20030402-000230',
      kind: 'SMS',
      sentAt: '2003-04-02T10:21:07Z',
      sender: { msisdn: '447800900456', network: 'VODAFONE-UK' },
      recipient: { msisdn: '447700900123', network: 'O2-UK' },
      roamingCountry: null,
      status: 'RECORDED',
      reason: null,
      units: 0,
      pence: 0,
      allocations: [],
      tariffVersion: 1,
      corrections: [],
    },
  ],
  nextCursor: null,
};

export const INTERCONNECT_MESSAGES_CSV_EXAMPLE = interconnectMessagesCsv(INTERCONNECT_MESSAGES_EXAMPLE.items);
