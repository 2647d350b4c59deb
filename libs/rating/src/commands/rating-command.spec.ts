import { FRIEND, SUBSCRIBER, buyBoltOn, sendSms } from '../testing/rating.fixtures.js';
import { idempotencyKeyOf, subscriberOf } from './rating-command.js';

describe('rating commands', () => {
  it.each([
    ['an outbound message', sendSms({ sender: SUBSCRIBER }), SUBSCRIBER],
    ['an inbound message', sendSms({ sender: FRIEND, from: 'THREE-UK', to: 'O2-UK' }), FRIEND],
    ['a message that will be rejected', sendSms({ sender: FRIEND, from: 'THREE-UK', to: 'OTHER' }), FRIEND],
    ['a purchase', buyBoltOn({ msisdn: FRIEND }), FRIEND],
  ])('rates %s on the stream of %s', (_case, command, msisdn) => {
    expect(subscriberOf(command)).toBe(msisdn);
  });

  it('keys messages by messageId and purchases by purchaseId, apart from each other', () => {
    expect(idempotencyKeyOf(sendSms({ messageId: 'X-1' }))).toBe('message:X-1');
    expect(idempotencyKeyOf(buyBoltOn({ purchaseId: 'X-1' }))).toBe('purchase:X-1');
  });
});
