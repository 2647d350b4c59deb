/** What the service's own metrics say of its slices (README "What to watch"): how big and how long. */
export interface SliceStats {
  readonly slices: number;
  readonly meanSize: number;
  readonly meanMs: number;
  /** The upper bound of the histogram bucket that holds the 99th percentile. */
  readonly p99AtMostMs: number;
}

interface Histogram {
  sum: number;
  count: number;
  buckets: Map<number, number>;
}

/** Reads GET /metrics of each instance and adds their slice histograms up; null when the service has none. */
export async function sliceStats(ports: readonly number[]): Promise<SliceStats | null> {
  const size: Histogram = { sum: 0, count: 0, buckets: new Map() };
  const duration: Histogram = { sum: 0, count: 0, buckets: new Map() };
  for (const port of ports) {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
    if (!response?.ok) return null;
    const text = await response.text();
    addHistogram(size, text, 'ledger_batch_size');
    addHistogram(duration, text, 'ledger_batch_duration_seconds');
  }
  if (duration.count === 0) return null;
  const rank = Math.ceil(duration.count * 0.99);
  const p99 = [...duration.buckets.entries()].sort(([a], [b]) => a - b).find(([, cumulative]) => cumulative >= rank);
  return {
    slices: duration.count,
    meanSize: size.count > 0 ? size.sum / size.count : 0,
    meanMs: (duration.sum / duration.count) * 1000,
    p99AtMostMs: (p99?.[0] ?? Infinity) * 1000,
  };
}

function addHistogram(into: Histogram, text: string, name: string): void {
  for (const line of text.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})? (\S+)/.exec(line);
    if (!match) continue;
    const [, series, labels = '', raw] = match;
    const value = Number(raw);
    if (series === `${name}_sum`) into.sum += value;
    else if (series === `${name}_count`) into.count += value;
    else if (series === `${name}_bucket`) {
      const bound = /le="([^"]+)"/.exec(labels)?.[1];
      if (bound === undefined) continue;
      const le = bound === '+Inf' ? Infinity : Number(bound);
      into.buckets.set(le, (into.buckets.get(le) ?? 0) + value);
    }
  }
}
