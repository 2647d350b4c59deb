import type { LedgerEvent } from '@ledger/contracts';
import { LedgerMetrics } from './ledger-metrics.js';

const event = (type: LedgerEvent['type'], data: Record<string, unknown> = {}): LedgerEvent =>
  ({ type, data }) as unknown as LedgerEvent;

describe('LedgerMetrics', () => {
  it('counts a committed slice by topic, rating outcome and rejection reason', async () => {
    const metrics = new LedgerMetrics();
    metrics.sliceCommitted({
      topic: 'network.message-sent.v1',
      size: 8,
      recorded: 7,
      unreadable: ['NOT_JSON'],
      decisions: [
        { outcome: 'new', events: [event('MessageCharged')] },
        { outcome: 'new', events: [event('BoltOnPurchased')] },
        { outcome: 'new', events: [event('MessageRecorded')] },
        { outcome: 'new', events: [event('MessageRejected', { reason: 'NOT_O2_TRAFFIC' })] },
        { outcome: 'repeat', first: event('MessageCharged') },
        { outcome: 'conflict', reason: 'DUPLICATE_CONFLICT', first: event('MessageCharged') },
        { outcome: 'unrated', reason: 'NO_PRICE', detail: 'no price in force' },
      ],
      seconds: 0.02,
    });
    const text = await metrics.render();
    expect(text).toContain('ledger_records_consumed_total{topic="network.message-sent.v1"} 7');
    for (const [outcome, count] of Object.entries({
      charged: 2,
      recorded: 1,
      rejected: 1,
      repeat: 1,
      conflict: 1,
      unrated: 1,
    })) {
      expect(text).toContain(`ledger_records_rated_total{outcome="${outcome}"} ${count}`);
    }
    for (const reason of ['NOT_JSON', 'NOT_O2_TRAFFIC', 'DUPLICATE_CONFLICT', 'NO_PRICE']) {
      expect(text).toContain(`ledger_records_rejected_total{reason="${reason}"} 1`);
    }
    expect(text).toContain('ledger_batch_size_sum 8');
    expect(text).toContain('ledger_batch_duration_seconds_count 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('keeps two instances in one process apart', async () => {
    const first = new LedgerMetrics();
    const second = new LedgerMetrics();
    first.httpRequestAnswered('GET', '/health', 200, 0.001);
    expect(await first.render()).toContain('http_requests_total{method="GET",route="/health",status="200"} 1');
    expect(await second.render()).not.toContain('http_requests_total{');
  });
});
