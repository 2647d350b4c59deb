import { ApiProperty } from '@nestjs/swagger';

export class TariffVersionDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'Numbered from 1, the tariff of the first start.',
    example: 2,
  })
  version!: number;

  @ApiProperty({ format: 'date-time', example: '2003-04-20T09:00:00Z' })
  createdAt!: string;
}

export class CurrentTariffDto extends TariffVersionDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The tariff document as stored: catalogue, PAYG prices, MMS interconnects, MMS roaming, each effective-dated.',
  })
  tariff!: Record<string, unknown>;
}

export class TariffVersionsDto {
  @ApiProperty({ type: () => [TariffVersionDto] })
  versions!: TariffVersionDto[];
}
