import { ApiProperty } from '@nestjs/swagger';

export class StartReratingRunDto {
  @ApiProperty({
    format: 'date-time',
    description: 'Decide again from the first message with sentAt >= from.',
    example: '2003-03-28T00:00:00Z',
  })
  from!: string;

  @ApiProperty({
    required: false,
    type: [String],
    description: 'Only these subscribers (MSISDNs); by default every one with a message sent at or after from.',
    example: ['447700900123'],
  })
  subscribers?: string[];

  @ApiProperty({
    description: 'Why the run is made, for the audit.',
    example: 'Vodafone UK MMS interconnect from 28 March, not 10 April',
  })
  reason!: string;
}

export class RatedAllocationDto {
  @ApiProperty({ example: 'R-0001' })
  purchaseId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 4 })
  units!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Bolt-on revenue this use recognised, in pence.',
    example: 24,
  })
  recognisedPence!: number;
}

export class RatedOutcomeDto {
  @ApiProperty({ enum: ['CHARGED', 'RECORDED', 'REJECTED'], example: 'CHARGED' })
  status!: string;

  @ApiProperty({ type: 'string', nullable: true, example: null })
  reason!: string | null;

  @ApiProperty({ type: 'integer', example: 4 })
  units!: number;

  @ApiProperty({ type: 'integer', example: 0 })
  pence!: number;

  @ApiProperty({ type: () => [RatedAllocationDto] })
  allocations!: RatedAllocationDto[];
}

export class ReratingChangeDto {
  @ApiProperty({ example: 'MMSC1-20030402-000017' })
  messageId!: string;

  @ApiProperty({ type: () => RatedOutcomeDto })
  before!: RatedOutcomeDto;

  @ApiProperty({ type: () => RatedOutcomeDto })
  after!: RatedOutcomeDto;
}

export class ReratingDayDto {
  @ApiProperty({ format: 'date', example: '2003-04-02' })
  date!: string;

  @ApiProperty({ type: 'integer', example: -35 })
  paygPenceDelta!: number;

  @ApiProperty({ type: 'integer', example: 24 })
  recognisedBoltOnPenceDelta!: number;
}

export class ReratingRunSummaryDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({ enum: ['DRY_RUN', 'APPLYING', 'APPLIED'], example: 'DRY_RUN' })
  status!: string;

  @ApiProperty({ format: 'date-time', example: '2003-03-28T00:00:00Z' })
  from!: string;

  @ApiProperty({ type: [String], nullable: true, description: 'The subscribers asked for; null: every affected one.' })
  subscribers!: string[] | null;

  @ApiProperty({ example: 'Vodafone UK MMS interconnect from 28 March' })
  reason!: string;

  @ApiProperty({ type: 'integer', description: 'The tariff version the messages were decided under.', example: 2 })
  tariffVersion!: number;

  @ApiProperty({ type: 'integer', example: 1200 })
  messagesExamined!: number;

  @ApiProperty({ type: 'integer', example: 87 })
  messagesChanged!: number;

  @ApiProperty({ type: 'integer', description: 'PAYG pence after less before.', example: -350 })
  penceDelta!: number;

  @ApiProperty({ type: 'integer', description: 'Bolt-on units used after less before.', example: 16 })
  unitsDelta!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true })
  appliedAt!: string | null;
}

export class ReratingRunDto extends ReratingRunSummaryDto {
  @ApiProperty({ type: () => [ReratingDayDto], description: 'Every UTC day of sentAt whose figures move.' })
  days!: ReratingDayDto[];

  @ApiProperty({ type: () => [ReratingChangeDto], description: 'The first 1000 changes, with before and after.' })
  changes!: ReratingChangeDto[];
}

export class ReratingRunsDto {
  @ApiProperty({ type: () => [ReratingRunSummaryDto] })
  items!: ReratingRunSummaryDto[];
}
