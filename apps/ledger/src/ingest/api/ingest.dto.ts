import { ApiProperty } from '@nestjs/swagger';

/** An input the ledger rejected or could not read, kept with its raw bytes. */
export class RejectionDto {
  @ApiProperty({
    description: 'Row id, in the order the rejections were recorded (a bigint, as a string).',
    example: '42',
  })
  id!: string;

  @ApiProperty({ enum: ['kafka', 'api'], description: 'A Kafka record, or a POST to the API.', example: 'kafka' })
  source!: 'kafka' | 'api';

  @ApiProperty({ type: 'string', nullable: true, description: 'Null for the API.', example: 'network.message-sent.v1' })
  topic!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Null for the API.', example: 1 })
  partition!: number | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'A bigint, as a string; null for the API.',
    example: '1734',
  })
  offset!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The record key: the MSISDN.', example: '447700900123' })
  key!: string | null;

  @ApiProperty({
    description:
      'EMPTY_RECORD, TOO_LARGE, NOT_UTF8, NOT_JSON, INVALID_RECORD or UNKNOWN_VALUE when unreadable; ' +
      'a rating reason (e.g. NOT_O2_TRAFFIC, BOLT_ON_NOT_AVAILABLE, DUPLICATE_CONFLICT) when rejected.',
    example: 'NOT_JSON',
  })
  reason!: string;

  @ApiProperty({
    description: 'What was wrong, in words.',
    example: 'the value is not JSON: Unexpected token \'h\', "this is not json" is not valid JSON',
  })
  detail!: string;

  @ApiProperty({ format: 'date-time', example: '2003-04-02T10:15:03.120Z' })
  receivedAt!: string;

  @ApiProperty({ description: 'The raw value, as text or base64 (see payloadEncoding).', example: 'this is not json' })
  payload!: string;

  @ApiProperty({ enum: ['utf8', 'base64'], description: 'base64 when the bytes are not valid UTF-8.', example: 'utf8' })
  payloadEncoding!: 'utf8' | 'base64';

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When POST /v1/rejections/replay rated it again; null until then.',
    example: null,
  })
  replayedAt!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'How the replay came out: CHARGED, RECORDED, REJECTED <reason>, or REPEAT <that> when already recorded.',
    example: null,
  })
  replayOutcome!: string | null;
}

export class RejectionsPageDto {
  @ApiProperty({ type: () => [RejectionDto] })
  items!: RejectionDto[];

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass it back as `cursor` for the next page; null on the last page.',
    example: null,
  })
  nextCursor!: string | null;
}

/** Where consumption of one input partition stands. Offsets are bigints, written as strings. */
export class PartitionPositionDto {
  @ApiProperty({ description: 'The input topic, with the environment prefix.', example: 'network.message-sent.v1' })
  topic!: string;

  @ApiProperty({ type: 'integer', example: 0 })
  partition!: number;

  @ApiProperty({ description: 'The next offset to read: what the ledger has durably recorded.', example: '18230' })
  nextOffset!: string;

  @ApiProperty({ description: "The partition's high watermark.", example: '18234' })
  highWatermark!: string;

  @ApiProperty({ description: 'highWatermark - nextOffset, never negative.', example: '4' })
  lag!: string;
}

export class IngestPositionsDto {
  @ApiProperty({ type: () => [PartitionPositionDto], description: 'One entry per partition of each input topic.' })
  partitions!: PartitionPositionDto[];
}

export const REJECTIONS_PAGE_EXAMPLE: RejectionsPageDto = {
  items: [
    {
      id: '42',
      source: 'kafka',
      topic: 'network.message-sent.v1',
      partition: 1,
      offset: '1734',
      key: '447700900123',
      reason: 'NOT_JSON',
      detail: 'the value is not JSON: Unexpected token \'h\', "this is not json" is not valid JSON',
      receivedAt: '2003-04-02T10:15:03.120Z',
      payload: 'this is not json',
      payloadEncoding: 'utf8',
      replayedAt: null,
      replayOutcome: null,
    },
    {
      id: '43',
      source: 'api',
      topic: null,
      partition: null,
      offset: null,
      key: '447700900123',
      reason: 'BOLT_ON_NOT_AVAILABLE',
      detail: 'bolt-on GBP16 is not in the catalogue in force at 2003-03-31T09:00:00Z',
      receivedAt: '2003-04-02T11:00:00.512Z',
      payload: '{"purchaseId":"R-0002","boltOn":"GBP16","purchasedAt":"2003-03-31T09:00:00Z"}',
      payloadEncoding: 'utf8',
      replayedAt: null,
      replayOutcome: null,
    },
  ],
  nextCursor: 'eyJpZCI6IjQzIn0.Jc7kq3cRZ2jv5GmU0r8nW1xq9YbH4tLmA6sP2dV0eFo',
};

export const INGEST_POSITIONS_EXAMPLE: IngestPositionsDto = {
  partitions: [
    { topic: 'network.message-sent.v1', partition: 0, nextOffset: '18230', highWatermark: '18234', lag: '4' },
    { topic: 'network.message-sent.v1', partition: 1, nextOffset: '17911', highWatermark: '17911', lag: '0' },
    { topic: 'retail.bolt-on-purchased.v1', partition: 0, nextOffset: '512', highWatermark: '512', lag: '0' },
  ],
};
