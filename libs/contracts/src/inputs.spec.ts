import { formatInstant, instantSchema, messageSentSchema } from './inputs.js';

describe('instants', () => {
  it.each([
    ['2003-04-02T10:15:00Z', '2003-04-02T10:15:00Z'],
    ['2003-04-02T11:15:00+01:00', '2003-04-02T10:15:00Z'],
    ['2003-04-01T00:30:00+01:00', '2003-03-31T23:30:00Z'],
    ['2003-04-02T10:15:00.250Z', '2003-04-02T10:15:00.250Z'],
    ['2003-04-02t10:15:00.5-00:30', '2003-04-02T10:45:00.500Z'],
  ])('reads %s as %s in UTC', (written, utc) => {
    expect(instantSchema.parse(written)).toBe(utc);
  });

  it.each([
    ['2003-04-02T10:15:00', 'must be an RFC 3339 timestamp with an offset'],
    ['2003-04-02 10:15:00Z', 'must be an RFC 3339 timestamp with an offset'],
    ['2003-02-29T10:15:00Z', 'is not a real calendar instant'],
    ['2003-04-31T10:15:00+01:00', 'is not a real calendar instant'],
    ['0000-06-01T00:00:00Z', 'must fall in the years 0001 to 9999 once in UTC'],
    ['0001-01-01T00:30:00+01:00', 'must fall in the years 0001 to 9999 once in UTC'],
    ['9999-12-31T23:30:00-01:00', 'must fall in the years 0001 to 9999 once in UTC'],
  ])('refuses %s: %s', (written, problem) => {
    const parsed = instantSchema.safeParse(written);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toContain(problem);
  });

  it.each([
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['0000-12-31T23:30:00-01:00', '0001-01-01T00:30:00Z'],
  ])('keeps %s, inside the years 0001 to 9999 once in UTC, as %s', (written, utc) => {
    expect(instantSchema.parse(written)).toBe(utc);
  });

  it('writes milliseconds only when there are any', () => {
    expect(formatInstant(Date.UTC(2003, 3, 1))).toBe('2003-04-01T00:00:00Z');
    expect(formatInstant(new Date(Date.UTC(2003, 3, 1, 0, 0, 0, 7)))).toBe('2003-04-01T00:00:00.007Z');
  });
});

describe('the message-sent contract', () => {
  const base = {
    messageId: 'MMSC1-20030402-000017',
    kind: 'MMS',
    sentAt: '2003-04-02T10:15:00Z',
    sender: { msisdn: '447700900123', network: 'O2-UK' },
    recipient: { msisdn: '447800900456', network: 'VODAFONE-UK' },
    roamingCountry: null,
    mms: { sizeBytes: 30500, content: ['image', 'audio', 'text'] },
  };

  it('accepts the example of SPEC section 2.1', () => {
    expect(messageSentSchema.parse(base)).toEqual(base);
  });

  it('keeps a string with a surrogate pair (an emoji), which UTF-8 can write', () => {
    expect(messageSentSchema.parse({ ...base, messageId: 'M-\ud83d\ude00' }).messageId).toBe('M-\u{1F600}');
  });

  it('treats an absent roamingCountry as at home', () => {
    const { roamingCountry: _home, ...rest } = base;
    expect(messageSentSchema.parse(rest).roamingCountry).toBeNull();
  });

  it.each([
    ['an MMS without mms', { ...base, mms: undefined }, 'mms: is required when kind is MMS'],
    ['an SMS with mms', { ...base, kind: 'SMS' }, 'mms: must be absent when kind is SMS'],
    ['an unknown network', { ...base, recipient: { msisdn: '447800900456', network: 'EE' } }, 'recipient.network'],
    ['a msisdn with a plus', { ...base, sender: { msisdn: '+447700900123', network: 'O2-UK' } }, 'sender.msisdn'],
    ['a messageId of 129 characters', { ...base, messageId: 'x'.repeat(129) }, 'messageId'],
    ['a messageId holding U+0000', { ...base, messageId: 'M-\u0000-1' }, 'messageId: must not hold U+0000'],
    [
      'a lone surrogate in the content',
      { ...base, mms: { sizeBytes: 1, content: ['\ud800'] } },
      'mms.content.0: must not hold a lone surrogate',
    ],
  ])('refuses %s', (_what, record, path) => {
    const parsed = messageSentSchema.safeParse(record);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')).toContain(path);
  });
});
