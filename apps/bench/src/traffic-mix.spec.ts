import { boltOnPurchaseSchema, messageSentSchema } from '@ledger/contracts';
import { countMix, MIX, mixedTraffic, type MixedInput } from './traffic-mix.js';

const generate = (count: number, subscribers = 1_000): MixedInput[] => [
  ...mixedTraffic(count, { subscribers, idPrefix: 'T' }),
];

describe('the bench traffic mix', () => {
  const inputs = generate(20_000);
  const messages = inputs.flatMap((input) => (input.kind === 'message' ? [input] : []));
  const purchases = inputs.flatMap((input) => {
    if (input.kind === 'purchase') return [{ via: 'kafka', ...(JSON.parse(input.record.value) as object) }];
    if (input.kind === 'api-purchase')
      return [{ via: 'api', msisdn: input.msisdn, ...(JSON.parse(input.body) as object) }];
    return [];
  }) as { via: string; purchaseId: string; msisdn: string; boltOn: string; purchasedAt: string }[];

  it('is the same on every run and holds exactly the messages asked for', () => {
    expect(generate(2_000)).toEqual(generate(2_000));
    expect(countMix(inputs).messages).toBe(20_000);
    expect(countMix(inputs).purchases + countMix(inputs).apiPurchases).toBe(purchases.length);
  });

  it('gives valid inputs of the contract, and invalid ones that the contract refuses', () => {
    for (const message of messages) {
      const parsed = messageSentSchema.safeParse(JSON.parse(message.record.value));
      if (message.record.value.includes('-BAD-')) expect(parsed.success).toBe(false);
      else expect(parsed.success).toBe(true);
    }
    for (const purchase of purchases) expect(boltOnPurchaseSchema.safeParse(purchase).success).toBe(true);
    const invalid = messages.filter((message) => message.record.value.includes('-BAD-')).length;
    expect(invalid).toBeGreaterThan(0);
  });

  it('has heavy users who buy several bolt-ons, each before the messages it pays for', () => {
    const bought = new Map<string, number>();
    for (const purchase of purchases) bought.set(purchase.msisdn, (bought.get(purchase.msisdn) ?? 0) + 1);
    const spanningSeveral = [...bought.values()].filter((count) => count >= 3).length;
    expect(spanningSeveral).toBeGreaterThan(5);
    // Each purchase comes just before the message it pays for, dated a second before it.
    inputs.forEach((input, index) => {
      if (input.kind === 'message') return;
      const next = inputs[index + 1];
      expect(next.kind).toBe('message');
      const paidFor = JSON.parse(next.kind === 'message' ? next.record.value : '{}') as {
        sentAt: string;
        sender: { msisdn: string };
      };
      const purchase = JSON.parse(input.kind === 'purchase' ? input.record.value : input.body) as {
        purchasedAt: string;
      };
      expect(paidFor.sender.msisdn).toBe(input.kind === 'purchase' ? input.record.key : input.msisdn);
      expect(Date.parse(purchase.purchasedAt)).toBeLessThan(Date.parse(paidFor.sentAt));
    });
    // Bolt-ons sell from 2003-04-01: none of the mix's purchases is refused for its date.
    for (const purchase of purchases) expect(Date.parse(purchase.purchasedAt)).toBeGreaterThan(Date.UTC(2003, 3, 1));
  });

  it('sends some purchases through the API and names some bolt-ons the catalogue lacks', () => {
    const viaApi = purchases.filter((purchase) => purchase.via === 'api').length / purchases.length;
    expect(viaApi).toBeGreaterThan(MIX.purchasesViaApi / 2);
    expect(viaApi).toBeLessThan(MIX.purchasesViaApi * 2);
    expect(purchases.some((purchase) => !/^GBP(3|5|7|9|16)$/.test(purchase.boltOn))).toBe(true);
  });

  it('repeats earlier messageIds under the same key, with the same content and with other content', () => {
    const firsts = new Map<string, { key: string; value: string }>();
    let same = 0;
    let other = 0;
    for (const message of messages) {
      const { messageId } = JSON.parse(message.record.value) as { messageId: string };
      const first = firsts.get(messageId);
      if (message.messageId !== null) {
        expect(first).toBeUndefined();
        firsts.set(messageId, message.record);
      } else if (first) {
        expect(message.record.key).toBe(first.key);
        if (message.record.value === first.value) same += 1;
        else other += 1;
      }
    }
    expect(same).toBeGreaterThan(other);
    expect(other).toBeGreaterThan(0);
  });

  it('spreads the messages over the subscribers it is given', () => {
    const senders = new Set(
      [...mixedTraffic(200_000, { subscribers: 100_000, idPrefix: 'S' })].flatMap((input) =>
        input.kind === 'message' && input.record.key.startsWith('4477') ? [input.record.key] : [],
      ),
    );
    // 150,000 light messages over 98,000 light users reach about 1 - e^-1.5 of them, and the heavy all.
    expect(senders.size).toBeGreaterThan(70_000);
  });

  it('holds inbound, other-network, roaming and MMS traffic in about its shares', () => {
    const bodies = messages
      .filter((message) => message.messageId !== null)
      .map(
        (message) =>
          JSON.parse(message.record.value) as {
            kind: string;
            sender: { network: string };
            recipient: { network: string };
            roamingCountry: string | null;
          },
      );
    const share = (test: (body: (typeof bodies)[number]) => boolean): number =>
      bodies.filter(test).length / bodies.length;
    expect(share((body) => body.kind === 'MMS')).toBeCloseTo(MIX.mms, 1);
    expect(share((body) => body.sender.network !== 'O2-UK' && body.recipient.network === 'O2-UK')).toBeCloseTo(
      MIX.inbound,
      1,
    );
    expect(share((body) => body.sender.network !== 'O2-UK' && body.recipient.network !== 'O2-UK')).toBeGreaterThan(0);
    expect(
      share((body) => body.roamingCountry === 'US' || body.roamingCountry === 'BR' || body.roamingCountry === 'ZA'),
    ).toBeGreaterThan(0);
  });
});
