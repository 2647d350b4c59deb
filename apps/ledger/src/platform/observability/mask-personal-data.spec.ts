import { maskMsisdns, maskPersonalData, maskText } from './mask-personal-data.js';

describe('maskMsisdns', () => {
  it('keeps the first 4 and the last 3 digits of an MSISDN', () => {
    expect(maskMsisdns('447700900123')).toBe('4477*****123');
  });

  it('masks every MSISDN inside a sentence, path or JSON text', () => {
    expect(maskMsisdns('GET /v1/subscribers/447700900123/balance')).toBe('GET /v1/subscribers/4477*****123/balance');
    expect(maskMsisdns('{"sender":"447700900123","recipient":"+447800900456"}')).toBe(
      '{"sender":"4477*****123","recipient":"+4478*****456"}',
    );
  });

  it('masks runs of 8 to 15 digits and leaves shorter or longer ones alone', () => {
    expect(maskMsisdns('12345678')).toBe('1234*678');
    expect(maskMsisdns('123456789012345')).toBe('1234********345');
    expect(maskMsisdns('1234567')).toBe('1234567');
    expect(maskMsisdns('1234567890123456')).toBe('1234567890123456');
  });

  it('leaves a run that starts with a zero, dates and times alone', () => {
    expect(maskMsisdns('07700900123')).toBe('07700900123');
    expect(maskMsisdns('2003-04-02T10:15:00.000Z')).toBe('2003-04-02T10:15:00.000Z');
  });
});

describe('maskText', () => {
  it('never shows a bearer token', () => {
    expect(maskText('authorization: Bearer test-admin-key-0001 was sent')).toBe(
      'authorization: Bearer [redacted] was sent',
    );
  });
});

describe('maskPersonalData', () => {
  it('masks the strings of plain objects and arrays at any depth, and keeps the rest', () => {
    const record = { msisdn: '447700900123', offset: 447700900123, nested: { list: ['447800900456', 3, null] } };
    expect(maskPersonalData(record)).toEqual({
      msisdn: '4477*****123',
      offset: 447700900123,
      nested: { list: ['4478*****456', 3, null] },
    });
    expect(record.msisdn).toBe('447700900123');
  });

  it('leaves errors and other class instances to their serializers', () => {
    const error = new Error('subscriber 447700900123');
    expect(maskPersonalData(error)).toBe(error);
  });

  it('stops at a cycle instead of looping', () => {
    const cyclic: Record<string, unknown> = { msisdn: '447700900123' };
    cyclic.self = cyclic;
    expect(() => maskPersonalData(cyclic)).not.toThrow();
  });
});
