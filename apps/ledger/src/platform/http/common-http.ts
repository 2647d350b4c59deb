import { BadRequestException } from '@nestjs/common';
import { describeIssues } from '@ledger/contracts';
import type { z } from 'zod';

/** Parses request input, answering 400 with what is wrong and why. */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new BadRequestException(`invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
