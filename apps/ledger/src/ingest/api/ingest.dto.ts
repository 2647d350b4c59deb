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

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The record key (the MSISDN), as text or base64 (see keyEncoding); its first 1024 bytes.',
    example: '447700900123',
  })
  key!: string | null;

  @ApiProperty({
    enum: ['utf8', 'base64'],
    description: 'base64 when the key is not UTF-8 or holds U+0000.',
    example: 'utf8',
  })
  keyEncoding!: 'utf8' | 'base64';

  @ApiProperty({ description: 'Whether the key is longer than the 1024 bytes shown.', example: false })
  keyTruncated!: boolean;

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

  @ApiProperty({
    description:
      'The first 1024 bytes of the raw value, as text or base64 (see payloadEncoding); ' +
      'GET /v1/rejections/{id}/payload gives it whole.',
    example: 'this is not json',
  })
  payload!: string;

  @ApiProperty({
    enum: ['utf8', 'base64'],
    description: 'base64 when the bytes are not valid UTF-8 or hold U+0000.',
    example: 'utf8',
  })
  payloadEncoding!: 'utf8' | 'base64';

  @ApiProperty({ type: 'integer', description: 'The length of the whole raw value, in bytes.', example: 16 })
  payloadBytes!: number;

  @ApiProperty({ description: 'Whether payload shows only the start of the value.', example: false })
  payloadTruncated!: boolean;

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
    description:
      'Pass it back as `cursor` for the next page; null on the last page. A page ends early, with a cursor, ' +
      'once it holds about 1 MiB.',
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

  @ApiProperty({
    description: 'highWatermark - nextOffset: negative when the offsets went back behind what was recorded (see gap).',
    example: '4',
  })
  lag!: string;

  @ApiProperty({
    type: () => OffsetGapDto,
    nullable: true,
    description: 'An offset gap found on this partition and not yet acknowledged: the partition waits until it is.',
  })
  gap!: OffsetGapDto | null;
}

/** Records Kafka no longer has between what the ledger recorded and what the partition now holds. */
export class OffsetGapDto {
  @ApiProperty({ example: 'network.message-sent.v1' })
  topic!: string;

  @ApiProperty({ type: 'integer', example: 0 })
  partition!: number;

  @ApiProperty({
    enum: ['RECORDS_DELETED', 'OFFSETS_REWOUND'],
    description:
      'RECORDS_DELETED: the log now starts past the recorded offset (retention, deleted records). ' +
      'OFFSETS_REWOUND: it ends before it (the topic was re-created).',
    example: 'RECORDS_DELETED',
  })
  kind!: 'RECORDS_DELETED' | 'OFFSETS_REWOUND';

  @ApiProperty({ description: 'The offset the ledger had recorded up to (a bigint, as a string).', example: '18230' })
  expectedOffset!: string;

  @ApiProperty({
    description: 'Where the partition now starts: consumption goes on here once acknowledged.',
    example: '18500',
  })
  foundOffset!: string;

  @ApiProperty({ format: 'date-time', example: '2003-04-02T10:15:03Z' })
  detectedAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  acknowledgedAt!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'api, or cli.', example: null })
  acknowledgedBy!: string | null;
}

export const OFFSET_GAP_EXAMPLE: OffsetGapDto = {
  topic: 'network.message-sent.v1',
  partition: 0,
  kind: 'RECORDS_DELETED',
  expectedOffset: '18230',
  foundOffset: '18500',
  detectedAt: '2003-04-02T10:15:03Z',
  acknowledgedAt: '2003-04-02T10:20:00Z',
  acknowledgedBy: 'api',
};

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
      keyEncoding: 'utf8',
      keyTruncated: false,
      reason: 'NOT_JSON',
      detail: 'the value is not JSON: Unexpected token \'h\', "this is not json" is not valid JSON',
      receivedAt: '2003-04-02T10:15:03.120Z',
      payload: 'this is not json',
      payloadEncoding: 'utf8',
      payloadBytes: 16,
      payloadTruncated: false,
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
      keyEncoding: 'utf8',
      keyTruncated: false,
      reason: 'BOLT_ON_NOT_AVAILABLE',
      detail: 'bolt-on GBP16 is not in the catalogue in force at 2003-03-31T09:00:00Z',
      receivedAt: '2003-04-02T11:00:00.512Z',
      payload: '{"purchaseId":"R-0002","boltOn":"GBP16","purchasedAt":"2003-03-31T09:00:00Z"}',
      payloadEncoding: 'utf8',
      payloadBytes: 77,
      payloadTruncated: false,
      replayedAt: null,
      replayOutcome: null,
    },
  ],
  nextCursor: 'eyJpZCI6IjQzIn0.Jc7kq3cRZ2jv5GmU0r8nW1xq9YbH4tLmA6sP2dV0eFo',
};

export const INGEST_POSITIONS_EXAMPLE: IngestPositionsDto = {
  partitions: [
    {
      topic: 'network.message-sent.v1',
      partition: 0,
      nextOffset: '18230',
      highWatermark: '18234',
      lag: '4',
      gap: null,
    },
    {
      topic: 'network.message-sent.v1',
      partition: 1,
      nextOffset: '17911',
      highWatermark: '17911',
      lag: '0',
      gap: null,
    },
    {
      topic: 'retail.bolt-on-purchased.v1',
      partition: 0,
      nextOffset: '512',
      highWatermark: '512',
      lag: '0',
      gap: null,
    },
  ],
};
