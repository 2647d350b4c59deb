import { ApiProperty } from '@nestjs/swagger';
import {
  MESSAGE_KINDS,
  NETWORKS,
  type MessageKind,
  type MessageRejectionReason,
  type Network,
} from '@ledger/contracts';
import type { ChargeStatus } from '../read-model/charge.js';

// Written as records so that the compiler notices a status or reason the documentation does not list.
const CHARGE_STATUSES = Object.keys({ CHARGED: true, RECORDED: true, REJECTED: true } satisfies Record<
  ChargeStatus,
  true
>);
const MESSAGE_REJECTION_REASONS = Object.keys({
  DUPLICATE_CONFLICT: true,
  NOT_O2_TRAFFIC: true,
  NO_MMS_INTERCONNECT: true,
  ROAMING_NOT_SUPPORTED: true,
} satisfies Record<MessageRejectionReason, true>);

export class PartyDto {
  @ApiProperty({ description: 'E.164 digits without "+".', pattern: '^[1-9][0-9]{7,14}$', example: '447700900123' })
  msisdn!: string;

  @ApiProperty({ enum: NETWORKS, enumName: 'Network', example: 'O2-UK' })
  network!: Network;
}

/** Units one message took from one bolt-on. */
export class AllocationDto {
  @ApiProperty({ description: 'The bolt-on purchase the units came from.', example: 'R-0001' })
  purchaseId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 4 })
  units!: number;
}

/** An allocation as a rerating recorded it: with the revenue the use recognised. */
export class RecognisedAllocationDto extends AllocationDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Bolt-on revenue this use recognised, in pence.',
    example: 24,
  })
  recognisedPence!: number;
}

/** How the message stood before a rerating changed it. */
export class RatedOutcomeDto {
  @ApiProperty({ enum: CHARGE_STATUSES, enumName: 'ChargeStatus', example: 'REJECTED' })
  status!: ChargeStatus;

  @ApiProperty({ type: 'string', nullable: true, example: 'NO_MMS_INTERCONNECT' })
  reason!: MessageRejectionReason | null;

  @ApiProperty({ type: 'integer', example: 0 })
  units!: number;

  @ApiProperty({ type: 'integer', example: 0 })
  pence!: number;

  @ApiProperty({ type: () => [RecognisedAllocationDto] })
  allocations!: readonly RecognisedAllocationDto[];
}

export class ChargeCorrectionDto {
  @ApiProperty({ format: 'uuid', description: 'The rerating run (GET /v1/rerating-runs/{runId}).' })
  runId!: string;

  @ApiProperty({ type: () => RatedOutcomeDto })
  before!: RatedOutcomeDto;
}

/** A charge as docs/CONTRACT.md section 5 shows it: the facts of the message and how it was rated. */
export class ChargeDto {
  @ApiProperty({ description: 'The idempotency key of the message.', example: 'MMSC1-20030402-000017' })
  messageId!: string;

  @ApiProperty({ enum: MESSAGE_KINDS, enumName: 'MessageKind', example: 'MMS' })
  kind!: MessageKind;

  @ApiProperty({ format: 'date-time', description: 'When it was sent, in UTC.', example: '2003-04-02T10:15:00Z' })
  sentAt!: string;

  @ApiProperty({ type: () => PartyDto, example: { msisdn: '447700900123', network: 'O2-UK' } })
  sender!: PartyDto;

  @ApiProperty({ type: () => PartyDto, example: { msisdn: '447800900456', network: 'VODAFONE-UK' } })
  recipient!: PartyDto;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'ISO 3166-1 alpha-2 code of the country the sender was roaming in; null at home.',
    example: null,
  })
  roamingCountry!: string | null;

  @ApiProperty({
    enum: CHARGE_STATUSES,
    enumName: 'ChargeStatus',
    description:
      'CHARGED: an outbound message, rated; RECORDED: inbound interconnect traffic, no charge; REJECTED: see reason.',
    example: 'CHARGED',
  })
  status!: ChargeStatus;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: `Why it was rejected (${MESSAGE_REJECTION_REASONS.join(', ')}); null unless status is REJECTED.`,
    example: null,
  })
  reason!: string | null;

  @ApiProperty({ type: 'integer', description: 'Bolt-on units taken: 1 for an SMS, 4 for an MMS, or 0.', example: 4 })
  units!: number;

  @ApiProperty({ type: 'integer', description: 'Pay-as-you-go price in pence; 0 when paid with units.', example: 0 })
  pence!: number;

  @ApiProperty({
    type: () => [AllocationDto],
    description: 'The bolt-ons the units came from, oldest purchase first.',
    example: [{ purchaseId: 'R-0001', units: 4 }],
  })
  allocations!: AllocationDto[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'The tariff version that decided this outcome (GET /v1/tariff/versions); null before versions were kept.',
    example: 1,
  })
  tariffVersion!: number | null;

  @ApiProperty({
    type: () => [ChargeCorrectionDto],
    description: 'Every rerating run that changed this charge, oldest first, with the outcome it replaced.',
    example: [],
  })
  corrections!: ChargeCorrectionDto[];
}

/** One page of charges, oldest sentAt first. */
export class ChargesPageDto {
  @ApiProperty({ type: () => [ChargeDto] })
  items!: ChargeDto[];

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass it back as `cursor` for the next page; null on the last page.',
    example: null,
  })
  nextCursor!: string | null;
}

export const CHARGE_EXAMPLE: ChargeDto = {
  messageId: 'MMSC1-20030402-000017',
  kind: 'MMS',
  sentAt: '2003-04-02T10:15:00Z',
  sender: { msisdn: '447700900123', network: 'O2-UK' },
  recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
  roamingCountry: null,
  status: 'CHARGED',
  reason: null,
  units: 4,
  pence: 0,
  allocations: [{ purchaseId: 'R-0001', units: 4 }],
  tariffVersion: 1,
  corrections: [],
};

export const CHARGES_PAGE_EXAMPLE: ChargesPageDto = {
  items: [
    CHARGE_EXAMPLE,
    {
      messageId: 'SMSC2-20030402-004711',
      kind: 'SMS',
      sentAt: '2003-04-02T11:02:41Z',
      sender: { msisdn: '447700900123', network: 'O2-UK' },
      recipient: { msisdn: '447900900789', network: 'ORANGE-UK' },
      roamingCountry: 'FR',
      status: 'CHARGED',
      reason: null,
      units: 1,
      pence: 0,
      allocations: [{ purchaseId: 'R-0001', units: 1 }],
      tariffVersion: 1,
      corrections: [],
    },
  ],
  nextCursor: null,
};
