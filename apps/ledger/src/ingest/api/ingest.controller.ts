import { Controller, Get, Inject, Query as QueryParams } from '@nestjs/common';
import { z } from 'zod';
import { AllowRoles } from '../../auth/api-key.guard.js';
import { parseRequest } from '../../common-http.js';
import { CURSOR_CODEC, type CursorCodec } from '../../cursor.js';
import type { Pool } from '../../database/database.js';
import { PG_POOL } from '../../database/database.module.js';
import { LedgerConsumer, type PartitionPosition } from '../infrastructure/ledger-consumer.service.js';
import { RejectionsRepository, type RejectionView } from '../infrastructure/rejections.repository.js';

const pageParams = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(2048).optional(),
  })
  .strict();

const isRejectionPosition = (value: unknown): value is { id: string } =>
  typeof value === 'object' && value !== null && /^\d{1,19}$/.test(String((value as { id?: unknown }).id));

@Controller('v1')
@AllowRoles(['finance'])
export class IngestController {
  constructor(
    private readonly consumer: LedgerConsumer,
    private readonly rejections: RejectionsRepository,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
  ) {}

  @Get('ingest')
  async ingest(): Promise<{ partitions: PartitionPosition[] }> {
    return { partitions: await this.consumer.positions() };
  }

  @Get('rejections')
  async list(@QueryParams() params: Record<string, unknown>): Promise<{ items: RejectionView[]; nextCursor: string | null }> {
    const { limit, cursor } = parseRequest(pageParams, params, 'query parameters');
    const after = cursor ? BigInt(this.cursors.decode(cursor, isRejectionPosition).id) : 0n;
    const client = await this.pool.connect();
    try {
      const rows = await this.rejections.page(client, after, limit + 1);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? this.cursors.encode({ id: last.id }) : null };
    } finally {
      client.release();
    }
  }
}
