import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of POST /v1/subscribers/{msisdn}/bolt-ons; price and units come from the catalogue, never from here. */
export class PurchaseBoltOnDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    description: 'The idempotency key: the same purchase sent again gets the first answer again.',
    example: 'R-0001',
  })
  purchaseId!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 32,
    description: 'The catalogue code of the bolt-on: GBP3, GBP5, GBP7, GBP9 or GBP16 from 2003-04-01.',
    example: 'GBP16',
  })
  boltOn!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'RFC 3339 with an offset; the catalogue in force at this instant prices the purchase.',
    example: '2003-04-01T09:00:00Z',
  })
  purchasedAt!: string;
}

/** A recorded purchase, priced from the catalogue. */
export class PurchaseDto {
  @ApiProperty({ example: 'R-0001' })
  purchaseId!: string;

  @ApiProperty({ example: '447700900123' })
  msisdn!: string;

  @ApiProperty({ example: 'GBP16' })
  boltOn!: string;

  @ApiProperty({ type: 'integer', description: 'Units the bolt-on holds.', example: 400 })
  units!: number;

  @ApiProperty({ type: 'integer', description: 'Catalogue price in pence.', example: 1600 })
  pricePence!: number;

  @ApiProperty({ format: 'date-time', example: '2003-04-01T09:00:00Z' })
  purchasedAt!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'purchasedAt + validityDays x 24 h when the catalogue entry has validityDays; absent: never expires.',
    example: '2003-05-01T09:00:00Z',
  })
  expiresAt?: string;
}

/** One bolt-on of a subscriber, used up or not. */
export class BoltOnBalanceDto {
  @ApiProperty({ example: 'R-0001' })
  purchaseId!: string;

  @ApiProperty({ example: 'GBP16' })
  boltOn!: string;

  @ApiProperty({ type: 'integer', description: 'Units it was bought with.', example: 400 })
  units!: number;

  @ApiProperty({ type: 'integer', description: 'Units not yet used; never negative.', example: 395 })
  unitsRemaining!: number;

  @ApiProperty({ type: 'integer', example: 1600 })
  pricePence!: number;

  @ApiProperty({ format: 'date-time', example: '2003-04-01T09:00:00Z' })
  purchasedAt!: string;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When its units stop serving messages (exclusive); null: never.',
    example: '2003-05-01T09:00:00Z',
  })
  expiresAt!: string | null;
}

export class BalanceDto {
  @ApiProperty({ example: '447700900123' })
  msisdn!: string;

  @ApiProperty({
    type: 'integer',
    description: 'The sum of unitsRemaining over the bolt-ons not expired (at `at`, or now).',
    example: 395,
  })
  unitsAvailable!: number;

  @ApiProperty({
    type: () => [BoltOnBalanceDto],
    description: 'Every bolt-on of the subscriber, oldest purchase first.',
  })
  boltOns!: BoltOnBalanceDto[];
}

/** The purchase as it was sent, in a 422 for a bolt-on not available at purchasedAt. */
export class RejectedPurchaseDto {
  @ApiProperty({ example: 'R-0002' })
  purchaseId!: string;

  @ApiProperty({ example: '447700900123' })
  msisdn!: string;

  @ApiProperty({ example: 'GBP16' })
  boltOn!: string;

  @ApiProperty({ format: 'date-time', example: '2003-03-31T09:00:00Z' })
  purchasedAt!: string;
}

/** 409: the purchaseId was recorded before with other content; the first stands. */
export class PurchaseConflictDto {
  @ApiProperty({ type: 'integer', example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'DUPLICATE_CONFLICT' })
  reason!: string;

  @ApiProperty({ example: 'purchase R-0001 was recorded before with other content; the first stands' })
  message!: string;
}

/** 422: the purchase was rejected, and is rejected again when repeated. */
export class PurchaseRejectedDto {
  @ApiProperty({ type: 'integer', example: 422 })
  statusCode!: number;

  @ApiProperty({
    description: 'BOLT_ON_NOT_AVAILABLE: not in the catalogue in force at purchasedAt; otherwise a rating error code.',
    example: 'BOLT_ON_NOT_AVAILABLE',
  })
  reason!: string;

  @ApiProperty({ example: 'bolt-on GBP16 is not available at 2003-03-31T09:00:00Z' })
  message!: string;

  @ApiPropertyOptional({
    type: () => RejectedPurchaseDto,
    description: 'The purchase as it was sent; present when the catalogue rejected it.',
  })
  purchase?: RejectedPurchaseDto;
}

export const PURCHASE_EXAMPLE: PurchaseDto = {
  purchaseId: 'R-0001',
  msisdn: '447700900123',
  boltOn: 'GBP16',
  units: 400,
  pricePence: 1600,
  purchasedAt: '2003-04-01T09:00:00Z',
};

export const BALANCE_EXAMPLE: BalanceDto = {
  msisdn: '447700900123',
  unitsAvailable: 445,
  boltOns: [
    {
      purchaseId: 'R-0001',
      boltOn: 'GBP16',
      units: 400,
      unitsRemaining: 395,
      pricePence: 1600,
      purchasedAt: '2003-04-01T09:00:00Z',
      expiresAt: null,
    },
    {
      purchaseId: 'R-0007',
      boltOn: 'GBP3',
      units: 50,
      unitsRemaining: 50,
      pricePence: 300,
      purchasedAt: '2003-04-05T18:30:00Z',
      expiresAt: null,
    },
  ],
};

export const PURCHASE_REJECTED_EXAMPLE: PurchaseRejectedDto = {
  statusCode: 422,
  reason: 'BOLT_ON_NOT_AVAILABLE',
  message: 'bolt-on GBP16 is not available at 2003-03-31T09:00:00Z',
  purchase: { purchaseId: 'R-0002', msisdn: '447700900123', boltOn: 'GBP16', purchasedAt: '2003-03-31T09:00:00Z' },
};
