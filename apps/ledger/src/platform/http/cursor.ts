import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';

/**
 * Opaque, tamper-proof page cursors: the position as base64url JSON and an HMAC over it.
 * A cursor from another secret, or one edited by hand, is refused with a 400.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(position: unknown): string {
    const body = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode<T>(cursor: string, isPosition: (value: unknown) => value is T): T {
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined) throw invalidCursor();
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidCursor();
    let position: unknown;
    try {
      position = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (!isPosition(position)) throw invalidCursor();
    return position;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

const invalidCursor = (): BadRequestException =>
  new BadRequestException('invalid cursor: pass back the nextCursor of the previous page unchanged');

export const CURSOR_CODEC = Symbol('CURSOR_CODEC');
