import { ApiProperty } from '@nestjs/swagger';
import type { Network } from '@ledger/contracts';
import { PARTNER_NETWORKS } from '../application/get-interconnect.query.js';
import type { Revenue, RevenueDay } from '../application/get-revenue.query.js';
import { CHARGE_EXAMPLE, type ChargesPageDto } from '@ledger/app/charges/api/charge.dto.js';
import { interconnectCsv, interconnectMessagesCsv, periodsCsv, revenueCsv } from './finance-csv.js';

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

  @ApiProperty({
    type: 'integer',
    description:
      'What expired bolt-ons never recognised, P - floor(P * c / U), on the UTC day of expiresAt (docs/CONTRACT.md section 10); ' +
      'a late use moves it back to recognised, so it may be negative on an adjustment.',
    example: 0,
  })
  breakagePence!: number;
}

/** What changed in a closed month, posted on the first day of the earliest open month (docs/CONTRACT.md section 9). */
export class AdjustmentDto extends RevenueFiguresDto {
  @ApiProperty({ description: 'The closed month the figures belong to, YYYY-MM.', example: '2003-04' })
  period!: string;
}

export class RevenueDayDto extends RevenueFiguresDto {
  @ApiProperty({ format: 'date', description: 'A UTC day.', example: '2003-04-01' })
  date!: string;

  @ApiProperty({
    type: () => [AdjustmentDto],
    description: "Prior-period adjustments posted on this day, one per closed month; included in the day's figures.",
  })
  adjustments!: AdjustmentDto[];
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
    description:
      'Deferred bolt-on revenue as at the end of `to`, as posted: sales so far less what they have recognised less breakage.',
    example: 1572,
  })
  deferredPence!: number;
}

/** A revenue day as JSON answers it (docs/CONTRACT.md section 5): without the running deferred balance. */
export function revenueDayView(day: RevenueDay): RevenueDayDto {
  const { date, boltOnSalesPence, paygPence, recognisedBoltOnPence, breakagePence, adjustments } = day;
  return { date, boltOnSalesPence, paygPence, recognisedBoltOnPence, breakagePence, adjustments };
}

export class PeriodTotalsDto extends RevenueFiguresDto {
  @ApiProperty({
    type: 'integer',
    description: 'Deferred bolt-on revenue as at the end of the month, as posted.',
    example: 1580,
  })
  deferredPence!: number;
}

/** One accounting period (docs/CONTRACT.md section 9). */
export class PeriodDto {
  @ApiProperty({ description: 'A UTC calendar month, YYYY-MM.', example: '2003-04' })
  period!: string;

  @ApiProperty({ enum: ['OPEN', 'CLOSED'], example: 'CLOSED' })
  status!: 'OPEN' | 'CLOSED';

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When the month was closed; null while open.',
    example: '2003-05-03T17:00:00Z',
  })
  closedAt!: string | null;

  @ApiProperty({
    type: () => PeriodTotalsDto,
    description: "The month's figures as posted: for a closed month, as they stood at close.",
  })
  totals!: PeriodTotalsDto;
}

export class PeriodsDto {
  @ApiProperty({ type: () => [PeriodDto], description: 'Every month with activity or closed, oldest first.' })
  periods!: PeriodDto[];
}

export const PERIODS_EXAMPLE: PeriodsDto = {
  periods: [
    {
      period: '2003-04',
      status: 'CLOSED',
      closedAt: '2003-05-03T17:00:00Z',
      totals: {
        boltOnSalesPence: 1600,
        paygPence: 185,
        recognisedBoltOnPence: 20,
        breakagePence: 0,
        deferredPence: 1580,
      },
    },
    {
      period: '2003-05',
      status: 'OPEN',
      closedAt: null,
      totals: {
        boltOnSalesPence: 1900,
        paygPence: 185,
        recognisedBoltOnPence: 28,
        breakagePence: 292,
        deferredPence: 3160,
      },
    },
  ],
};

export const PERIODS_CSV_EXAMPLE = periodsCsv(PERIODS_EXAMPLE.periods);

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
    {
      date: '2003-05-01',
      boltOnSalesPence: 1900,
      paygPence: 45,
      recognisedBoltOnPence: 8,
      breakagePence: 292,
      adjustments: [
        { period: '2003-04', boltOnSalesPence: 300, paygPence: 10, recognisedBoltOnPence: 8, breakagePence: -8 },
      ],
      deferredPence: 1600,
    },
    {
      date: '2003-05-02',
      boltOnSalesPence: 0,
      paygPence: 140,
      recognisedBoltOnPence: 20,
      breakagePence: 0,
      adjustments: [],
      deferredPence: 1580,
    },
  ],
  totals: { boltOnSalesPence: 1900, paygPence: 185, recognisedBoltOnPence: 28, breakagePence: 292 },
  deferredPence: 1580,
};

/** As the controller answers REVENUE in JSON: the days without their running deferred balance. */
export const REVENUE_EXAMPLE: RevenueDto = {
  days: REVENUE.days.map(revenueDayView),
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
