import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';

/**
 * Opaque, tamper-proof page cursors: the position as base64url JSON and an HMAC over it.
 * The first secret signs and every one verifies, so a secret can be rotated without breaking
 * the cursors in flight. A cursor from an unknown secret, or one edited by hand, is a 400.
 */
export class CursorCodec {
  private readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('CursorCodec needs at least one secret');
    this.secrets = secrets;
  }

  encode(position: unknown): string {
    const body = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${body}.${sign(this.secrets[0], body)}`;
  }

  decode<T>(cursor: string, isPosition: (value: unknown) => value is T): T {
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined) throw invalidCursor();
    const given = Buffer.from(signature);
    let valid = false;
    // Every secret is tried, without stopping early, so timing does not say which one signed.
    for (const secret of this.secrets) {
      const expected = Buffer.from(sign(secret, body));
      if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
    }
    if (!valid) throw invalidCursor();
    let position: unknown;
    try {
      position = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (!isPosition(position)) throw invalidCursor();
    return position;
  }
}

const sign = (secret: string, body: string): string => createHmac('sha256', secret).update(body).digest('base64url');

const invalidCursor = (): BadRequestException =>
  new BadRequestException('invalid cursor: pass back the nextCursor of the previous page unchanged');

export const CURSOR_CODEC = Symbol('CURSOR_CODEC');
